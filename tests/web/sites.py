"""Fixture council websites, modelled on real ones (re-worded): GOV.UK-style header and footer,
cookie banners, long service menus, breadcrumbs "Your council > Transparency > Freedom of
information > Make a request", and the ways councils publish (or hide) their FOI address.

Each site is a dict path -> Route; ANSWERS says what discovery must propose for each council.
"""

from __future__ import annotations

from html import escape

from tests.web.proxy import Route

_MENU = [
    ("Bins, recycling and waste", "/bins-and-recycling"),
    ("Council tax", "/council-tax"),
    ("Benefits and support", "/benefits"),
    ("Housing", "/housing"),
    ("Planning and building control", "/planning"),
    ("Roads, travel and parking", "/roads-and-parking"),
    ("Schools and education", "/schools"),
    ("Children and families", "/children-and-families"),
    ("Adult social care", "/adult-social-care"),
    ("Libraries", "/libraries"),
    ("Leisure and culture", "/leisure"),
    ("Business and licensing", "/business"),
    ("Jobs and careers", "/jobs"),
    ("Births, deaths and marriages", "/registrars"),
    ("Environmental health", "/environmental-health"),
    ("What's on", "/whats-on"),
]


def page(
    site: str, title: str, content: str, crumbs=(), *, domain: str = "", extra_nav=""
) -> bytes:
    """A whole page in the house style of a UK council site."""
    menu = "\n".join(f'<li><a href="{href}">{escape(text)}</a></li>' for text, href in _MENU)
    trail = "".join(f'<li><a href="{href}">{escape(text)}</a></li>' for text, href in crumbs)
    html = f"""<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8"><title>{escape(title)} - {escape(site)}</title>
<link rel="icon" href="/assets/favicon.ico"><script>window.dataLayer=[];var contact="tracking@analytics-vendor.com";</script>
<style>.cookie-banner{{background:#f3f2f1}}</style></head>
<body class="govuk-template__body">
<div class="cookie-banner" role="region" aria-label="Cookies on {escape(site)}">
<p>We use some essential cookies to make this website work. We'd like to set additional cookies to
understand how you use the site.</p>
<form method="post" action="/cookies"><button name="cookies" value="accept">Accept additional cookies</button>
<button name="cookies" value="reject">Reject additional cookies</button></form>
<a href="/cookies">View cookies</a></div>
<a href="#main" class="skip-link">Skip to main content</a>
<header class="site-header"><a href="/" class="logo"><img src="/assets/logo@2x.png" alt="{escape(site)} logo"></a>
<form class="search" role="search" action="/search"><label>Search this site<input name="q"></label>
<button>Search</button></form>
<nav aria-label="Main menu"><ul>{menu}
<li><a href="/your-council">Your council</a></li>{extra_nav}</ul></nav></header>
<nav class="breadcrumbs" aria-label="Breadcrumb"><ol><li><a href="/">Home</a></li>{trail}</ol></nav>
<main id="main"><h1>{escape(title)}</h1>
{content}
</main>
<footer class="site-footer"><ul>
<li><a href="/accessibility">Accessibility statement</a></li>
<li><a href="/privacy">Privacy notice</a></li>
<li><a href="/cookies">Cookies</a></li>
<li><a href="/contact-us">Contact us</a></li>
<li><a href="https://www.facebook.com/{escape(site).replace(" ", "")}">Facebook</a></li>
<li><a href="tel:+443001234567">0300 123 4567</a></li>
<li><a href="javascript:window.print()">Print this page</a></li></ul>
<p>Website problems? Email <a href="mailto:webmaster@{domain}">webmaster@{domain}</a>.
Image credits: banner@2x.jpg</p>
<p>&copy; {escape(site)}</p></footer></body></html>"""
    return html.encode("utf-8")


def _front(site: str, domain: str, path: str, text: str) -> Route:
    """A homepage whose one way to the FOI pages is a link (the rest is the house style)."""
    return _html(page(site, site, f'\n<p><a href="{path}">{escape(text)}</a></p>', domain=domain))


def _only_page(site: str, domain: str, content: str) -> Route:
    """The homepage of another body's site, the one page a domain check asks for."""
    return _html(page(site, site, content, domain=domain))


def _html(body: bytes) -> Route:
    return Route(body)


def exampleshire() -> dict[str, Route]:
    """The common shape: FOI page three clicks deep, a separate review address, many decoys."""
    site, domain = "Exampleshire County Council", "exampleshire.gov.uk"
    yc = ("Your council", "/your-council")
    tr = ("Transparency", "/your-council/transparency")
    foi = ("Freedom of information", "/your-council/transparency/freedom-of-information")
    return {
        "/robots.txt": Route(
            b"User-agent: *\nDisallow: /search\nDisallow: /your-council/internal/\n",
            content_type="text/plain",
        ),
        "/": _html(
            page(
                site,
                "Welcome to Exampleshire County Council",
                """
<p>Find information and services from Exampleshire County Council.</p>
<section><h2>Latest news</h2><p>For press enquiries contact the press office at
<a href="mailto:press.office@exampleshire.gov.uk">press.office@exampleshire.gov.uk</a>.</p></section>
<p><a href="/whats-on/calendar?month=2026-01">Events calendar</a></p>
""",
                domain=domain,
            )
        ),
        "/whats-on/calendar": _html(
            page(
                site,
                "Events calendar",
                """
<p><a href="/whats-on/calendar?month=2025-12">Previous month</a>
<a href="/whats-on/calendar?month=2026-02">Next month</a></p>""",
                domain=domain,
            )
        ),
        "/your-council": _html(
            page(
                site,
                "Your council",
                """
<ul><li><a href="/your-council/councillors">Councillors and committees</a></li>
<li><a href="/your-council/budget">Budget and spending</a></li>
<li><a href="/your-council/transparency">Transparency and open data</a></li>
<li><a href="/your-council/transparency/freedom-of-information">Freedom of information</a></li>
<li><a href="/your-council/elections">Elections and voting</a></li>
<li><a href="/your-council/internal/foi-staff-guide">FOI staff guidance (staff only)</a></li>
<li><a href="/your-council/complaints">Comments, compliments and complaints</a></li></ul>
<p>To contact a councillor, email <a href="mailto:cllr.jones@exampleshire.gov.uk">Cllr Jones</a>.</p>
""",
                [yc],
                domain=domain,
            )
        ),
        "/your-council/transparency": _html(
            page(
                site,
                "Transparency",
                """
<p>We publish information about how we spend public money and make decisions.</p>
<ul><li><a href="/your-council/transparency/spending-over-500">Spending over £500</a></li>
<li><a href="/your-council/transparency/freedom-of-information">Freedom of information</a></li>
<li><a href="/your-council/transparency/data-protection">Data protection</a></li>
<li><a href="/your-council/transparency/foi-archive">Freedom of information archive</a></li></ul>
""",
                [yc, tr],
                domain=domain,
            )
        ),
        "/your-council/transparency/freedom-of-information": _html(
            page(
                site,
                "Freedom of information",
                """
<p>Anyone can ask for information we hold under the Freedom of Information Act 2000 or the
Environmental Information Regulations 2004. You don't need to say which one applies.</p>
<p>Before you ask, read our <a href="/documents/foi-policy.pdf">Freedom of information policy
(PDF)</a>
and the <a href="/your-council/transparency/freedom-of-information/disclosure-log">FOI disclosure
log</a>: the answer may already be published.</p>
<p><a href="/your-council/transparency/freedom-of-information/make-a-request">Make a freedom of
information request</a></p>
<p>Older answers: <a href="/your-council/transparency/foi-archive">FOI archive</a> and our
<a href="/your-council/transparency/foi-guidance">FOI guidance notes</a>.</p>
<p>If you want your own personal information, that is a subject access request: contact our Data
Protection Officer at <a href="mailto:dpo@exampleshire.gov.uk">dpo@exampleshire.gov.uk</a>.</p>
<p>Requests about policing go to the police force, not to us:
<a href="mailto:foi@exampleshire.police.uk">foi@exampleshire.police.uk</a>.</p>
<p>Exampleshire Fire and Rescue Service is a separate public authority: send requests about it
to <a href="mailto:foi@exampleshirefire.gov.uk">foi@exampleshirefire.gov.uk</a>.</p>
""",
                [yc, tr, foi],
                domain=domain,
            )
        ),
        "/your-council/transparency/freedom-of-information/make-a-request": _html(
            page(
                site,
                "Make a request",
                """
<p>Tell us your name, an address for our reply and a clear description of the information you
want. We will reply within 20 working days.</p>
<p>To make a freedom of information request, email the
<a href="mailto:foi.requests@exampleshire.gov.uk?subject=FOI%20request">Information Governance
team</a>, or write to Information Governance, County Hall, Exampleton EX1 1AA.</p>
<h2>Asking for an internal review</h2>
<p>If you are unhappy with the way we handled your request, you can ask for an internal review
within 40 working days of our response. Email
<a href="mailto:foi.reviews@exampleshire.gov.uk">foi.reviews@exampleshire.gov.uk</a>.</p>
<p>Requests made through WhatDoTheyKnow reach us from addresses like
request-123456-abcd1234@whatdotheyknow.com; we reply to them there.</p>
<p>Not happy with a council service? That is a complaint, not an FOI request:
<a href="mailto:complaints@exampleshire.gov.uk">complaints@exampleshire.gov.uk</a>.</p>
""",
                [yc, tr, foi, ("Make a request", "#")],
                domain=domain,
            )
        ),
        "/your-council/transparency/freedom-of-information/disclosure-log": Route(
            b"<p>Send requests to late.foi@exampleshire.gov.uk</p></body></html>",
            size=5 * 1024 * 1024,
        ),
        "/documents/foi-policy.pdf": Route(
            b"%PDF-1.4 pdf.only@exampleshire.gov.uk", content_type="application/pdf"
        ),
        "/your-council/transparency/foi-archive": Route(
            b"<html><body><h1>Server error</h1></body></html>", 500
        ),
    }


def carnwyn() -> dict[str, Route]:
    """Welsh and English, the address obfuscated in text, reached by the Welsh link."""
    site, domain = "Cyngor Sir Carnwyn / Carnwyn County Council", "carnwyn.gov.uk"
    return {
        "/": _html(
            page(
                site,
                "Croeso / Welcome",
                """
<p><a href="/cymraeg">Cymraeg</a></p>
<ul><li><a href="/y-cyngor/rhyddid-gwybodaeth">Rhyddid Gwybodaeth</a></li></ul>""",
                domain=domain,
            )
        ),
        "/y-cyngor/rhyddid-gwybodaeth": _html(
            page(
                site,
                "Rhyddid Gwybodaeth / Freedom of Information",
                """
<p>Gallwch ofyn am wybodaeth sydd gennym. You can ask for information we hold.</p>
<p>Anfonwch eich cais / Send your request to: foi [at] carnwyn [dot] gov [dot] uk</p>
<p>Ni fyddwn yn ymateb i geisiadau ar y cyfryngau cymdeithasol.</p>""",
                [("Y Cyngor", "/y-cyngor")],
                domain=domain,
            )
        ),
    }


def glenmorach() -> dict[str, Route]:
    """Scottish wording (FOISA, 'request for review') behind Cloudflare email protection."""
    site, domain = "Glenmorach Council", "glenmorach.gov.uk"
    return {
        **_board_calendar(site, domain),
        "/": _front(
            site, domain, "/council-and-government/access-to-information", "Access to information"
        ),
        "/council-and-government/access-to-information": _html(
            page(
                site,
                "Access to information",
                """
<p>The Freedom of Information (Scotland) Act 2002 gives you the right to ask for any information
we hold. <a href="/council-and-government/access-to-information/foisa-requests">Make an FOI
request</a>.</p>
<p><a href="/council-and-government/access-to-information/board/2026-01">Information governance
board: meetings calendar</a></p>""",
                [("Council and government", "/council-and-government")],
                domain=domain,
            )
        ),
        "/council-and-government/access-to-information/foisa-requests": _html(
            page(
                site,
                "Make an FOI request",
                """
<p>Email your request to
<a href="/cdn-cgi/l/email-protection#{foi}"><span class="__cf_email__"
data-cfemail="{foi}">[email&#160;protected]</span></a>.</p>
<p>If you are dissatisfied with our response you can make a request for review. Write to
<span class="__cf_email__" data-cfemail="{review}">[email&#160;protected]</span> within 40 working days.
You may then appeal to the Scottish Information Commissioner.</p>""".format(
                    foi=cf("foi@glenmorach.gov.uk"), review=cf("foireviews@glenmorach.gov.uk")
                ),
                [("Council and government", "/council-and-government")],
                domain=domain,
            )
        ),
    }


def _board_calendar(site: str, domain: str) -> dict[str, Route]:
    """A link trap: every month links the next one, for years."""
    base = "/council-and-government/access-to-information/board"
    months = [f"{year}-{month:02d}" for year in range(2026, 2030) for month in range(1, 13)]
    return {
        f"{base}/{month}": _html(
            page(
                site,
                f"Board meetings {month}",
                f'<p>No meetings.</p><p><a href="{base}/{after}">Next month</a></p>',
                domain=domain,
            )
        )
        for month, after in zip(months, months[1:], strict=False)
    }


def fernbridge() -> dict[str, Route]:
    """Form only: the FOI page offers a web form and no address (a data-protection decoy)."""
    site, domain = "Fernbridge Borough Council", "fernbridge.gov.uk"
    return {
        "/": _front(site, domain, "/foi", "Freedom of information"),
        "/foi": _html(
            page(
                site,
                "Freedom of information",
                """
<p>Make a Freedom of Information (FOI) request using our online form.</p>
<p><a href="https://forms.fernbridge.gov.uk/foi-request">Make an FOI request online form</a></p>
<form method="post" action="/foi/submit"><label>Your request<textarea name="request"></textarea>
</label><button>Submit your FOI request</button></form>
<p>For your own personal data, email data.protection@fernbridge.gov.uk.</p>""",
                domain=domain,
            )
        ),
    }


def highcombe() -> dict[str, Route]:
    """robots.txt keeps crawlers off the FOI section."""
    site, domain = "Highcombe District Council", "highcombe.gov.uk"
    return {
        "/robots.txt": Route(
            b"User-agent: *\nDisallow: /freedom-of-information\n", content_type="text/plain"
        ),
        "/": _front(site, domain, "/freedom-of-information", "Freedom of information"),
        "/freedom-of-information": _html(
            page(
                site,
                "Freedom of information",
                """
<p>Email foi@highcombe.gov.uk</p>""",
                domain=domain,
            )
        ),
    }


def closedford() -> dict[str, Route]:
    """robots.txt turns every crawler away."""
    return {
        "/robots.txt": Route(b"User-agent: *\nDisallow: /\n", content_type="text/plain"),
        "/": _html(page("Closedford Council", "Closedford Council", "<p>Welcome</p>")),
    }


def ashvale() -> dict[str, Route]:
    """A Crawl-delay in robots.txt, longer than the configured gap."""
    site, domain = "Ashvale Council", "ashvale.gov.uk"
    return {
        "/robots.txt": Route(b"User-agent: *\nCrawl-delay: 0.4\n", content_type="text/plain"),
        "/": _front(site, domain, "/about-the-council", "About the council"),
        "/about-the-council": _html(
            page(
                site,
                "About the council",
                """
<p><a href="/about-the-council/information-requests">Information requests (FOI)</a></p>""",
                domain=domain,
            )
        ),
        "/about-the-council/information-requests": _html(
            page(
                site,
                "Information requests",
                """
<p>Send freedom of information requests to informationrequests&#64;ashvale.gov.uk.</p>""",
                domain=domain,
            )
        ),
    }


def oldtown() -> dict[str, Route]:
    """The registry's homepage moved to a new domain; the new site links a partner's FOI page."""
    return {"/": Route(None, 301, location="http://www.newtown-council.gov.uk/")}


def newtown() -> dict[str, Route]:
    site, domain = "Newtown Council", "newtown-council.gov.uk"
    return {
        "/": _html(
            page(
                site,
                "Newtown Council",
                """
<p><a href="/information-governance">Information governance</a></p>
<p><a href="https://www.shared-services.co.uk/freedom-of-information">Freedom of information for
schools (our partner)</a></p>""",
                domain=domain,
            )
        ),
        "/information-governance": _html(
            page(
                site,
                "Information governance",
                """
<p>For freedom of information requests email
<a href="mailto:information.governance@newtown-council.gov.uk">information governance</a>.</p>""",
                domain=domain,
            )
        ),
    }


def shared_services() -> dict[str, Route]:
    return {
        "/freedom-of-information": _html(
            page(
                "Shared Services Ltd",
                "FOI",
                """
<p>foi@shared-services.co.uk</p>""",
                domain="shared-services.co.uk",
            )
        )
    }


def slowford() -> dict[str, Route]:
    return {"/": Route(b"<html><body>slow</body></html>", delay=1.5)}


def brokenham() -> dict[str, Route]:
    return {"/": Route(b"<html><body><h1>Service unavailable</h1></body></html>", 500)}


def quietmere() -> dict[str, Route]:
    """No FOI page and no FOI address: only a general enquiries address in the footer."""
    site, domain = "Quietmere Parish-style Council", "quietmere.gov.uk"
    return {
        "/": _html(
            page(
                site,
                "Quietmere Council",
                """
<p>General enquiries: enquiries@quietmere.gov.uk</p>
<p><a href="http://[fe80::1/freedom-of-information">Freedom of information</a></p>""",
                domain=domain,
            )
        ),
    }


def westmarchshire() -> dict[str, Route]:
    """Like Leicestershire (foi@leics.gov.uk on leicestershire.gov.uk): the address is on the
    council's short alias domain, whose site redirects to the council's."""
    site, domain = "Westmarchshire County Council", "westmarchshire.gov.uk"
    yc = ("Your council", "/your-council")
    return {
        "/": _front(site, domain, "/your-council/freedom-of-information", "Freedom of information"),
        "/your-council/freedom-of-information": _html(
            page(
                site,
                "Freedom of information",
                """
<p>You can ask for any recorded information we hold. Check our publication scheme first: what
you want may already be published.</p>
<h2>How to make a request</h2>
<p>Email <a href="mailto:foi@wmarch.gov.uk">foi@wmarch.gov.uk</a>, or write to Information
Governance, County Hall, Westmarch WM3 8RA. Tell us your name, an address for our reply and the
information you want.</p>
<p>We will reply within 20 working days.</p>""",
                [yc],
                domain=domain,
            )
        ),
    }


def wmarch() -> dict[str, Route]:
    """The alias: no site of its own, a permanent redirect to the council's."""
    return {"/": Route(None, 301, location="http://www.westmarchshire.gov.uk/")}


def oakvale() -> dict[str, Route]:
    """A bilingual Welsh council: the site on .gov.wales, its address on the Welsh-language
    .llyw.cymru name (as anglesey.gov.wales and ynysmon.llyw.cymru); the page also names another
    Welsh body's .gov.wales address, which is not the council's."""
    site, domain = "Oakvale County Council / Cyngor Sir Bro Derwen", "oakvale.gov.wales"
    return {
        "/robots.txt": Route(b"User-agent: *\nDisallow: /search\n", content_type="text/plain"),
        "/": _html(
            page(
                site,
                "Oakvale County Council",
                """
<p><a href="http://www.broderwen.llyw.cymru/">Cymraeg</a></p>
<p><a href="/council/access-to-information">Access to information</a></p>""",
                domain=domain,
            )
        ),
        "/council/access-to-information": _html(
            page(
                site,
                "Freedom of Information / Rhyddid Gwybodaeth",
                """
<p>You have the right to ask for information we hold. Mae gennych hawl i ofyn am wybodaeth.</p>
<p>Send your request to / Anfonwch eich cais at:
<a href="mailto:rhyddidgwybodaeth@broderwen.llyw.cymru">rhyddidgwybodaeth@broderwen.llyw.cymru</a>
</p>
<p>You may write in Welsh or English; we will answer in the language you use.</p>
<p>Records of the old county are kept by the regional archive service, which answers its own
requests: archives@westglamarchives.gov.wales</p>""",
                [("Council", "/council")],
                domain=domain,
            )
        ),
    }


def broderwen() -> dict[str, Route]:
    """The Welsh-language name: to its own /cy/ path, then to the council's site in Welsh."""
    return {
        "/robots.txt": Route(b"User-agent: *\nDisallow: /chwilio\n", content_type="text/plain"),
        "/": Route(None, 301, location="/cy/"),
        "/cy/": Route(None, 302, location="http://www.oakvale.gov.wales/cy/"),
    }


def westglamarchives() -> dict[str, Route]:
    return {
        "/": _only_page(
            "West Glamorgan Archive Service",
            "westglamarchives.gov.wales",
            "<p>Opening hours and how to visit.</p>",
        )
    }


def eastbury() -> dict[str, Route]:
    """A district council whose requests go to a shared service on its own domain, with the
    county's and a joint committee's addresses beside it (as district FOI pages name the county
    for schools and social care): none of them is the district's own."""
    site, domain = "Eastbury District Council", "eastbury.gov.uk"
    return {
        "/": _front(site, domain, "/freedom-of-information", "Freedom of information"),
        "/freedom-of-information": _html(
            page(
                site,
                "Freedom of information",
                """
<p>Our information requests are handled by the Eastbury and Wolds Information Governance Service,
which works for both councils. Email
<a href="mailto:foi@eastburywolds.gov.uk">foi@eastburywolds.gov.uk</a>.</p>
<p>We do not provide schools, social care, libraries or highways. Requests about them go to
Northmoor County Council: <a href="mailto:foi@northmoor.gov.uk">foi@northmoor.gov.uk</a>.</p>
<p>Freedom of information requests about the crematorium go to the joint committee:
foi@eastburycrematorium.gov.uk</p>
<p>Requests about policing go to the police: foi@northmoor.police.uk</p>""",
                domain=domain,
            )
        ),
    }


def eastburywolds() -> dict[str, Route]:
    """The shared service's own site: it answers, and redirects nowhere."""
    return {
        "/": _only_page(
            "Eastbury and Wolds Shared Services",
            "eastburywolds.gov.uk",
            "<p>Revenues, benefits and information governance for two councils.</p>",
        )
    }


def northmoor() -> dict[str, Route]:
    """The county moved to a new name: its old one redirects there, not to Eastbury."""
    return {"/": Route(None, 301, location="http://www.northmoorcounty.gov.uk/")}


def southdean() -> dict[str, Route]:
    """The address is on an alias whose robots.txt turns every crawler away."""
    site, domain = "Southdean Council", "southdean.gov.uk"
    return {
        "/": _front(site, domain, "/council/foi", "Freedom of information (FOI)"),
        "/council/foi": _html(
            page(
                site,
                "Freedom of information (FOI)",
                """
<p>To make a request under the Freedom of Information Act, email foi@sdean.gov.uk.</p>""",
                domain=domain,
            )
        ),
    }


def sdean() -> dict[str, Route]:
    return {
        "/robots.txt": Route(b"User-agent: *\nDisallow: /\n", content_type="text/plain"),
        "/": Route(None, 301, location="http://www.southdean.gov.uk/"),
    }


def kelby() -> dict[str, Route]:
    """The address is on a name whose www. host gives no answer; the bare name redirects."""
    site, domain = "Kelby Borough Council", "kelby.gov.uk"
    return {
        "/": _front(site, domain, "/about-us/freedom-of-information", "Freedom of information"),
        "/about-us/freedom-of-information": _html(
            page(
                site,
                "Freedom of information",
                """
<p>To make a freedom of information request email
<a href="mailto:information.requests@kelbycouncil.gov.uk">our information requests team</a>.
</p>
<p>Kelby Homes Ltd, the council's housing company, answers its own information requests:
foi@kelbyhomes.co.uk</p>""",
                domain=domain,
            )
        ),
    }


def cf(address: str, key: int = 0x4B) -> str:
    """Cloudflare's email protection encoding (for the fixture; the crawler decodes it)."""
    return f"{key:02x}" + "".join(f"{ord(ch) ^ key:02x}" for ch in address)


SITES = {
    "www.exampleshire.gov.uk": exampleshire,
    "www.carnwyn.gov.uk": carnwyn,
    "www.glenmorach.gov.uk": glenmorach,
    "www.fernbridge.gov.uk": fernbridge,
    "www.highcombe.gov.uk": highcombe,
    "www.ashvale.gov.uk": ashvale,
    "www.closedford.gov.uk": closedford,
    "www.oldtown.gov.uk": oldtown,
    "www.newtown-council.gov.uk": newtown,
    "www.shared-services.co.uk": shared_services,
    "www.slowford.gov.uk": slowford,
    "www.brokenham.gov.uk": brokenham,
    "www.quietmere.gov.uk": quietmere,
    "www.westmarchshire.gov.uk": westmarchshire,
    "www.wmarch.gov.uk": wmarch,
    "www.oakvale.gov.wales": oakvale,
    "www.broderwen.llyw.cymru": broderwen,
    "www.westglamarchives.gov.wales": westglamarchives,
    "www.eastbury.gov.uk": eastbury,
    "www.eastburywolds.gov.uk": eastburywolds,
    "www.northmoor.gov.uk": northmoor,
    "www.southdean.gov.uk": southdean,
    "www.sdean.gov.uk": sdean,
}

# The other domains discovery asks about, beyond the homepages' hosts
PROBED_HOSTS = {
    "www.wmarch.gov.uk",
    "www.broderwen.llyw.cymru",
    "www.westglamarchives.gov.wales",
    "www.eastburywolds.gov.uk",
    "www.northmoor.gov.uk",
    "www.sdean.gov.uk",
}


def kelby_sites(timeout: float) -> dict[str, dict[str, Route]]:
    """Kelby's sites, for a crawl whose request timeout is `timeout`: its www. name gives no
    answer within it (the proxy always answers, so a slow answer stands for none)."""
    to_kelby = Route(None, 301, location="http://www.kelby.gov.uk/")
    return {
        "www.kelby.gov.uk": kelby(),
        "www.kelbycouncil.gov.uk": {"/": Route(b"<html></html>", delay=timeout + 1)},
        "kelbycouncil.gov.uk": {"/": to_kelby},
        # Redirects to the council too, but anyone can register a .co.uk: never asked
        "www.kelbyhomes.co.uk": {"/": to_kelby},
    }


# council id -> (nation, homepage, expected outcome, best FOI address, review address)
COUNCILS = {
    "exampleshire": (
        "England",
        "http://www.exampleshire.gov.uk/",
        "found",
        "foi.requests@exampleshire.gov.uk",
        "foi.reviews@exampleshire.gov.uk",
    ),
    "carnwyn": ("Wales", "http://www.carnwyn.gov.uk/", "found", "foi@carnwyn.gov.uk", None),
    "glenmorach": (
        "Scotland",
        "http://www.glenmorach.gov.uk/",
        "found",
        "foi@glenmorach.gov.uk",
        "foireviews@glenmorach.gov.uk",
    ),
    "fernbridge": ("England", "http://www.fernbridge.gov.uk/", "form only", None, None),
    "highcombe": ("England", "http://www.highcombe.gov.uk/", "blocked by robots.txt", None, None),
    "closedford": ("England", "http://www.closedford.gov.uk/", "blocked by robots.txt", None, None),
    "ashvale": (
        "England",
        "http://www.ashvale.gov.uk/",
        "found",
        "informationrequests@ashvale.gov.uk",
        None,
    ),
    "oldtown": (
        "England",
        "http://www.oldtown.gov.uk/",
        "found",
        "information.governance@newtown-council.gov.uk",
        None,
    ),
    "slowford": ("England", "http://www.slowford.gov.uk/", "unreachable", None, None),
    "brokenham": ("England", "http://www.brokenham.gov.uk/", "unreachable", None, None),
    "quietmere": ("England", "http://www.quietmere.gov.uk/", "nothing found", None, None),
    "nowhere": ("England", "http://www.nowhere.gov.uk/", "unreachable", None, None),
    "westmarchshire": (
        "England",
        "http://www.westmarchshire.gov.uk/",
        "found",
        "foi@wmarch.gov.uk",
        None,
    ),
    "oakvale": (
        "Wales",
        "http://www.oakvale.gov.wales/",
        "found",
        "rhyddidgwybodaeth@broderwen.llyw.cymru",
        None,
    ),
    "eastbury": ("England", "http://www.eastbury.gov.uk/", "nothing found", None, None),
    "southdean": ("England", "http://www.southdean.gov.uk/", "nothing found", None, None),
}


def registry_yaml(councils: dict | None = None) -> str:
    lines = ["# Test registry: fixture councils on loopback", "councils:"]
    for council_id, (nation, homepage, *_rest) in (councils or COUNCILS).items():
        regime = "FOISA" if nation == "Scotland" else "FOIA"
        lines += [
            f"  - id: {council_id}",
            f'    name: "{council_id.title()} Council"',
            f"    nation: {nation}",
            f"    regime: {regime}",
            f"    homepage: {homepage}",
        ]
    return "\n".join(lines) + "\n"


def all_sites() -> dict[str, dict[str, Route]]:
    return {host: build() for host, build in SITES.items()}


# -- councils reached over https: the proxy tunnels CONNECT to its TLS server (tests/web/proxy.py)


def harbourside() -> dict[str, Route]:
    """Moved to https, as most councils have: every http:// address answers 301 there (robots.txt
    too), and the FOI page's old CMS still links "Make a request" with an absolute http:// URL."""
    site, domain = "Harbourside Borough Council", "harbourside.gov.uk"
    foi = "/council-and-democracy/freedom-of-information"
    return {
        "/robots.txt": Route(
            f"User-agent: *\nDisallow: /search\nDisallow: {foi}/previous-requests\n".encode(),
            content_type="text/plain",
        ),
        "/": _html(
            page(
                site,
                "Harbourside Borough Council",
                """
<p>Find out about <a href="/council-and-democracy">the council and democracy</a>.</p>""",
                domain=domain,
            )
        ),
        "/council-and-democracy": _html(
            page(
                site,
                "Council and democracy",
                f"""
<ul><li><a href="/council-and-democracy/councillors">Councillors and committees</a></li>
<li><a href="{foi}">Freedom of information</a></li>
<li><a href="/council-and-democracy/elections">Elections and voting</a></li></ul>""",
                [("Council and democracy", "/council-and-democracy")],
                domain=domain,
            )
        ),
        foi: _html(
            page(
                site,
                "Freedom of information",
                f"""
<p>You have the right to ask for any recorded information we hold.</p>
<p><a href="http://www.harbourside.gov.uk{foi}/make-a-request">Make a request</a></p>
<p><a href="{foi}/previous-requests">Freedom of information requests we have answered</a></p>""",
                [("Council and democracy", "/council-and-democracy")],
                domain=domain,
            )
        ),
        f"{foi}/make-a-request": _html(
            page(
                site,
                "Make a freedom of information request",
                """
<p>Email your request to foi@harbourside.gov.uk, or write to the Information Governance Officer,
Harbour House, Harbourside HB1 2AB. We will reply within 20 working days.</p>""",
                [
                    ("Council and democracy", "/council-and-democracy"),
                    ("Freedom of information", foi),
                ],
                domain=domain,
            )
        ),
        f"{foi}/previous-requests": _html(
            page(
                site,
                "Requests we have answered",
                "<p>Ask for these by email: disclosures@harbourside.gov.uk</p>",
                domain=domain,
            )
        ),
    }


def _foi_homepage(site: str, domain: str) -> dict[str, Route]:
    """A small site whose homepage gives the FOI address: only a bad certificate hides it."""
    return {
        "/": _html(
            page(
                site,
                site,
                f"""
<h2>Freedom of information</h2>
<p>To make a freedom of information request, email foi@{domain}.</p>""",
                domain=domain,
            )
        ),
    }


HTTPS_SITES = {
    "www.harbourside.gov.uk": harbourside,
    "www.stonebury.gov.uk": lambda: _foi_homepage("Stonebury City Council", "stonebury.gov.uk"),
    "www.marshfield.gov.uk": lambda: _foi_homepage("Marshfield Council", "marshfield.gov.uk"),
}
HTTPS_ONLY = {"www.harbourside.gov.uk"}
# stonebury's certificate comes from a CA nobody trusts; marshfield's is for another host name
BAD_CERTS = {"www.stonebury.gov.uk": "other-ca", "www.marshfield.gov.uk": "other-name"}
_BAD_CERT = "unreachable (TLS certificate failed verification: "

# council id -> (nation, homepage, expected outcome, best FOI address, review address), as COUNCILS
HTTPS_COUNCILS = {
    "exampleshire": (
        "England",
        "https://www.exampleshire.gov.uk/",
        "found",
        "foi.requests@exampleshire.gov.uk",
        "foi.reviews@exampleshire.gov.uk",
    ),
    "harbourside": (
        "England",
        "http://www.harbourside.gov.uk/",
        "found",
        "foi@harbourside.gov.uk",
        None,
    ),
    "stonebury": (
        "England",
        "https://www.stonebury.gov.uk/",
        _BAD_CERT + "unable to get local issuer certificate)",
        None,
        None,
    ),
    "marshfield": (
        "Wales",
        "https://www.marshfield.gov.uk/",
        _BAD_CERT + "Hostname mismatch, certificate is not valid for 'www.marshfield.gov.uk')",
        None,
        None,
    ),
}


def https_sites() -> dict[str, dict[str, Route]]:
    """Every fixture site: each answers http and, through CONNECT, https."""
    return {**all_sites(), **{host: build() for host, build in HTTPS_SITES.items()}}
