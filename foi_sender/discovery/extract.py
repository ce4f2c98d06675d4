"""What one HTML page offers: links to follow, addresses with their evidence, a request form.

Links come from the parsed document (selectolax), never from regular expressions over markup;
expressions only read the page's extracted text, where obfuscated addresses live.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urljoin, urlsplit

# Words that say a link or a page is about FOI, strongest first; English, Scottish and Welsh.
FOI_WORDS = re.compile(
    r"freedom[\s_-]*of[\s_-]*information|\bfoi(?:sa)?\b|\bfoi[-_]|rhyddid[\s_-]*gwybodaeth"
    r"|access[\s_-]*to[\s_-]*information|information[\s_-]*governance|information[\s_-]*requests?"
    r"|make[\s_-]*an?[\s_-]*(?:foi[\s_-]*)?request|request[\s_-]*information|\beir\b"
    r"|environmental[\s_-]*information",
    re.I,
)
# Words of the pages above the FOI page: "Your council > Transparency > Freedom of information".
WAY_WORDS = re.compile(
    r"your[\s_-]*council|council[\s_-]*and[\s_-]*democracy|about[\s_-]*(?:the[\s_-]*)?council"
    r"|about[\s_-]*us|transparency|open[\s_-]*data|data[\s_-]*protection|access[\s_-]*to[\s_-]*records"
    r"|publication[\s_-]*scheme|y[\s_-]*cyngor|democratiaeth|tryloywder|information[\s_-]*and[\s_-]*data",
    re.I,
)
REVIEW_WORDS = re.compile(
    r"internal[\s_-]*review|dissatisfied|unhappy|not[\s_-]*satisfied|appeal|review[\s_-]*of[\s_-]*(?:the|our|your)"
    r"|request[\s_-]*(?:for[\s_-]*)?(?:a[\s_-]*)?review|adolygiad",
    re.I,
)
FORM_WORDS = re.compile(
    r"online[\s_-]*form|web[\s_-]*form|request[\s_-]*form|form[\s_-]*online|use[\s_-]*our[\s_-]*form|submit",
    re.I,
)

_EMAIL = re.compile(
    r"(?<![\w.+-])[a-z0-9](?:[a-z0-9._%+-]{0,62}[a-z0-9])?@(?:[a-z0-9-]+\.)+[a-z]{2,24}\b", re.I
)
# "foi [at] council [dot] gov [dot] uk", "foi(at)council.gov.uk", "foi at council dot gov dot uk"
_AT = r"(?:\s*[\[({]\s*at\s*[\])}]\s*|\s+at\s+)"
_DOT = r"(?:\s*[\[({]\s*dot\s*[\])}]\s*|\s+dot\s+|\.)"
_OBFUSCATED = re.compile(
    rf"(?<![\w.+-])([a-z0-9][a-z0-9._+-]{{0,63}}){_AT}([a-z0-9-]+(?:{_DOT}[a-z0-9-]+)+)", re.I
)
_DOT_TOKEN = re.compile(_DOT, re.I)
_FILE_SUFFIX = re.compile(r"\.(?:png|jpe?g|gif|svg|webp|avif|ico|bmp|css|js|pdf|docx?)$", re.I)
_MAX_CONTEXT = 240


@dataclass(frozen=True)
class Link:
    url: str
    text: str


@dataclass(frozen=True)
class Found:
    address: str
    context: str  # the link text or the sentence around it
    via: str  # mailto, text, obfuscated, cloudflare


@dataclass
class Page:
    url: str
    title: str
    links: list[Link] = field(default_factory=list)
    addresses: list[Found] = field(default_factory=list)
    has_form: bool = False  # a request form, or a link to one

    @property
    def about_foi(self) -> bool:
        return bool(FOI_WORDS.search(self.title) or FOI_WORDS.search(urlsplit(self.url).path))


def read_page(url: str, html: str) -> Page:
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)
    for node in tree.css("script, style, noscript, template"):
        node.decompose()
    title_node = tree.css_first("h1") or tree.css_first("title")
    page = Page(url, _squash(title_node.text()) if title_node else "")
    found: dict[str, Found] = {}
    for node in tree.css("a[href]"):
        _read_link(page, found, url, node)
    for node in tree.css("[data-cfemail]"):
        address = decode_cfemail(node.attributes.get("data-cfemail") or "")
        if address:
            _keep(found, Found(address, _block_text(node), "cloudflare"))
    page.has_form = page.has_form or any(
        FOI_WORDS.search(_squash(form.text())) or FORM_WORDS.search(_squash(form.text()))
        for form in tree.css("form")
        if not _is_search_form(form)
    )
    body = tree.body
    text = body.text(separator="\n") if body else ""
    for address, context, via in addresses_in_text(text):
        _keep(found, Found(address, context, via))
    page.addresses = list(found.values())
    return page


def _read_link(page: Page, found: dict[str, Found], base: str, node) -> None:
    href = (node.attributes.get("href") or "").strip()
    text = _squash(node.text())
    try:
        scheme = urlsplit(href).scheme.lower()
        absolute = urljoin(base, href).split("#", 1)[0]
    except ValueError:
        return  # "http://[broken": no address, no link

    if scheme == "mailto":
        address = unquote(href[len("mailto:") :].split("?", 1)[0]).strip().lower()
        if plausible(address):
            _keep(found, Found(address, _evidence(text, node), "mailto"))
        return
    if "/cdn-cgi/l/email-protection" in href:
        address = decode_cfemail(urlsplit(href).fragment)
        if address:
            _keep(found, Found(address, _evidence(text, node), "cloudflare"))
        return
    if scheme not in ("", "http", "https"):
        return  # javascript:, tel:, data:, ...
    page.links.append(Link(absolute, text or node.attributes.get("title") or ""))
    if FORM_WORDS.search(text) and FOI_WORDS.search(text + " " + absolute):
        page.has_form = True


def _evidence(label: str, node) -> str:
    """The sentence around a link says more than its label ("email us")."""
    block = _block_text(node)
    return block if label and label in block else (label or block)


def _block_text(node) -> str:
    """The largest enclosing element whose text is still a sentence or two."""
    best = _squash(node.text())
    parent = node.parent
    while parent is not None and parent.tag not in ("body", "html"):
        text = _squash(parent.text())
        if len(text) > _MAX_CONTEXT:
            break
        best, parent = text, parent.parent
    return best


def _is_search_form(form) -> bool:
    role = " ".join(str(form.attributes.get(k) or "") for k in ("role", "action", "class", "id"))
    return "search" in role.lower()


def addresses_in_text(text: str) -> list[tuple[str, str, str]]:
    """(address, the line around it, how it was written) for every address in plain text."""
    results: list[tuple[str, str, str]] = []
    for line in text.splitlines():
        line = _squash(line)
        if "@" not in line and not re.search(r"[\[({]\s*at\s*[\])}]|\sat\s", line, re.I):
            continue
        for match in _EMAIL.finditer(line):
            address = match.group(0).lower()
            if plausible(address):
                results.append((address, line[:_MAX_CONTEXT], "text"))
        for match in _OBFUSCATED.finditer(line):
            if "@" in match.group(0):
                continue
            domain = _DOT_TOKEN.sub(".", match.group(2)).lower()
            address = f"{match.group(1).lower()}@{domain}"
            if plausible(address) and ("." in match.group(2) or "dot" in match.group(2).lower()):
                results.append((address, line[:_MAX_CONTEXT], "obfuscated"))
    return results


def plausible(address: str) -> bool:
    """An address whose domain ends in a real public suffix, not an image like logo@2x.png."""
    if not _EMAIL.fullmatch(address) or _FILE_SUFFIX.search(address):
        return False
    return registrable_domain(address.rpartition("@")[2]) is not None


# Second-level domains the Public Suffix List does not list, under which each public body holds
# its own name, as under gov.uk: the Welsh Government gives Welsh councils one under gov.wales and
# one under llyw.cymru (anglesey.gov.wales, ynysmon.llyw.cymru), and the HSC Business Services
# Organisation gives each Northern Ireland trust one under hscni.net. Without them every Welsh
# council's domain would be gov.wales, shared with the Welsh Government and the 21 others.
PUBLIC_BODY_SUFFIXES = ("gov.wales", "llyw.cymru", "hscni.net")


def registrable_domain(host: str) -> str | None:
    """exampleshire.gov.uk for www.exampleshire.gov.uk, anglesey.gov.wales for
    www.anglesey.gov.wales; None for a host on no known suffix."""
    host = host.lower().rstrip(".")
    for suffix in PUBLIC_BODY_SUFFIXES:
        if host.endswith("." + suffix):
            return host[: -len(suffix) - 1].rpartition(".")[2] + "." + suffix
        if host == suffix:
            return None  # the suffix itself, as gov.uk is
    if _psl().publicsuffix(host, accept_unknown=False) is None:
        return None
    return _psl().privatesuffix(host)


_PSL = []


def _psl():
    if not _PSL:
        from publicsuffixlist import PublicSuffixList

        _PSL.append(PublicSuffixList())
    return _PSL[0]


def decode_cfemail(hexed: str) -> str | None:
    """Cloudflare's email protection: the first byte is the key XORed over the rest."""
    try:
        data = bytes.fromhex(hexed.strip())
    except ValueError:
        return None
    if len(data) < 2:
        return None
    address = bytes(b ^ data[0] for b in data[1:]).decode("utf-8", "replace").lower()
    return address if plausible(address) else None


def _keep(found: dict[str, Found], item: Found) -> None:
    """One entry per address: the first sighting, unless a later one says more."""
    old = found.get(item.address)
    if old is None or (len(item.context) > len(old.context) and old.via == item.via):
        found[item.address] = item


def _squash(text: str | None) -> str:
    return " ".join((text or "").split())
