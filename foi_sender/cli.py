"""Command line: parse arguments, call one core function, print. Errors are mapped in FoiGroup."""

from __future__ import annotations

import gc
import json
import os
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import click

from foi_sender import __version__
from foi_sender.errors import FoiError


@dataclass
class AppContext:
    home: Path
    debug: bool

    @cached_property
    def settings(self):
        from foi_sender.config import load_settings

        return load_settings(self.home)


class FoiGroup(click.Group):
    """The one place where domain errors become a message and an exit code."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except FoiError as exc:
            if _debug(ctx):
                raise
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(130)
        except BrokenPipeError:
            # The reader (e.g. `| head`) went away: stop quietly, as other Unix tools do.
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives until exit
            ctx.exit(141)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:
            if _debug(ctx):
                raise
            click.echo(
                f"Internal error: {type(exc).__name__}: {exc} (run with --debug for details)",
                err=True,
            )
            ctx.exit(70)


def _debug(ctx: click.Context) -> bool:
    return bool(ctx.obj and ctx.obj.debug)


def progress_bar(length: int, label: str):
    """On stderr, so stdout stays clean for the table or JSON; each step shows its item."""
    return click.progressbar(
        length=length, label=label, file=sys.stderr, item_show_func=lambda item: item
    )


class Amount(click.ParamType):
    """A finite number of at least 0: `nan`, `inf` and negatives are refused as they are parsed,
    before anything is sent or recorded (float() takes all three)."""

    name = "number"

    def convert(self, value, param, ctx):
        import math

        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        if number < 0:
            self.fail(f"{value!r} is negative; give 0 or more", param, ctx)
        return number


AMOUNT = Amount()
# -o FILE: `-` is standard output; a device, FIFO or symlink is written through, never replaced.
OUTPUT_PATH = click.Path(dir_okay=False, allow_dash=True, path_type=Path)


def emit_json(data) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


@click.group(cls=FoiGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="FOI_SENDER_HOME",
    help="Folder holding foi.toml, the ledger and the outbox [env FOI_SENDER_HOME; default: .].",
)
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.version_option(__version__, prog_name="foi-sender")
@click.pass_context
def cli(ctx: click.Context, home: Path | None, debug: bool) -> None:
    """Draft, send and track Freedom of Information requests to UK councils."""
    from foi_sender.config import resolve_home

    ctx.obj = AppContext(home=resolve_home(home), debug=debug)


pass_app = click.make_pass_decorator(AppContext)


@cli.command()
@click.option("--name", help="Your name, as it signs every letter.")
@click.option("--email", help="Your address: From and Reply-To of every letter.")
@click.option("--organisation", help="Optional organisation under your name.")
@click.option("--force", is_flag=True, help="Replace an existing foi.toml.")
@pass_app
def init(app: AppContext, name: str | None, email: str | None, organisation, force: bool) -> None:
    """Write a commented foi.toml in the home folder."""
    from foi_sender.config import write_initial_config
    from foi_sender.errors import InputError

    if name is None or email is None:
        if not sys.stdin.isatty():
            raise InputError("give --name and --email (no terminal to ask on)")
        name = name or click.prompt("Your name (signs every letter)")
        email = email or click.prompt("Your email address (From and Reply-To)")
    path = write_initial_config(app.home, name, email, organisation, force=force)
    click.echo(f"Wrote {path}. Next: `foi-sender councils list --missing-email`.")


@cli.group()
def councils() -> None:
    """The council registry (councils.yaml): list, check, record addresses."""


@councils.command("list")
@click.option(
    "--nation",
    type=click.Choice(["England", "Wales", "Scotland", "Northern Ireland"], case_sensitive=False),
)
@click.option("--missing-email", is_flag=True, help="Only councils with no FOI address yet.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def councils_list(app: AppContext, nation: str | None, missing_email: bool, as_json: bool) -> None:
    """List the councils: regime, FOI address (flagged when a letter to it bounced), its source,
    and whether a proposal is waiting."""
    from foi_sender.discovery import discovery_state
    from foi_sender.lifecycle import bounced_addresses
    from foi_sender.registry import load_registry

    registry = load_registry(app.home)
    chosen = [
        c
        for c in registry.councils
        if (nation is None or c.nation.lower() == nation.lower())
        and not (missing_email and c.foi_email)
    ]
    waiting, _ = discovery_state(app.home)
    bounced = bounced_addresses(app.home)
    if as_json:
        emit_json(
            [
                {
                    **c.as_json(),
                    "proposal_waiting": c.id in waiting,
                    "bounced": bool(c.foi_email and c.foi_email.lower() in bounced),
                }
                for c in chosen
            ]
        )
        return
    rows = [
        (
            c.id,
            c.nation,
            c.regime,
            (c.foi_email or "(needs an address)")
            + (" (bounced)" if c.foi_email and c.foi_email.lower() in bounced else ""),
            _short_source(c.email_source),
            "yes" if c.id in waiting else "",
        )
        for c in chosen
    ]
    click.echo(format_table(("ID", "NATION", "REGIME", "FOI ADDRESS", "SOURCE", "PROPOSAL"), rows))
    with_address = sum(1 for c in chosen if c.foi_email)
    click.echo(f"{len(chosen)} councils, {with_address} with an address ({registry.path})")


def _short_source(source: str | None, width: int = 40) -> str:
    if not source:
        return ""
    return source if len(source) <= width else source[: width - 1] + "…"


@councils.command("check")
@pass_app
def councils_check(app: AppContext) -> None:
    """Validate councils.yaml; print FILE:LINE: problem for each problem (exit 1 if any)."""
    from foi_sender.errors import CheckFailed
    from foi_sender.registry import check_registry, load_registry, registry_warnings

    path, problems, count = check_registry(app.home)
    for problem in problems:
        click.echo(problem)
    if problems:
        raise CheckFailed(f"{path}: {len(problems)} problem(s)")
    warnings = registry_warnings(load_registry(app.home))
    for warning in warnings:
        click.echo(warning)
    more = f", {len(warnings)} warning(s)" if warnings else ""
    click.echo(f"{path}: {count} councils, no problems{more}")


@councils.command("set-email")
@click.argument("council_id", metavar="ID")
@click.argument("address")
@click.option("--source", required=True, help="Where you found the address (kept in the file).")
@click.option("--force", is_flag=True, help="Replace the address the council already has.")
@pass_app
def councils_set_email(
    app: AppContext, council_id: str, address: str, source: str, force: bool
) -> None:
    """Record a council's verified FOI ADDRESS in the home's councils.yaml."""
    from foi_sender.registry import set_email

    path, copied, old = set_email(app.home, council_id, address, source, force=force)
    if copied:
        click.echo(f"Copied the shipped registry to {path} (it now replaces the shipped one).")
    if old and old != address:
        click.echo(f"{council_id}: foi_email {old} -> {address} ({path})")
    else:
        click.echo(f"{council_id}: foi_email = {address} ({path})")


@councils.command("discover")
@click.argument("council_ids", nargs=-1, metavar="[ID]...")
@click.option("--missing", is_flag=True, help="Every council with no FOI address yet.")
@click.option("--all", "every", is_flag=True, help="Every council in the registry.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option(
    "--concurrency", default=8, show_default=True, type=click.IntRange(1, 64), help="Sites at once."
)
@click.option(
    "--gap",
    default=1.0,
    show_default=True,
    type=click.FloatRange(0),
    help="Seconds between two requests to one host (robots.txt Crawl-delay may ask for more).",
)
@click.option(
    "--timeout", default=15.0, show_default=True, type=click.FloatRange(0.1), help="Per request."
)
@pass_app
def councils_discover(
    app: AppContext, council_ids, missing, every, as_json, concurrency, gap, timeout
) -> None:
    """Find councils' FOI addresses on their own websites, with evidence.

    Follows freedom-of-information links from each council's homepage (at most 8 pages, 3 clicks
    deep, its own domain only, robots.txt honoured; an address on another gov.uk-like domain only if
    that domain redirects to the council's) and keeps what it finds as proposals: see them
    with `councils candidates`, write them with `councils accept`. Nothing is written to
    councils.yaml by this command. Pages fetched in the last day are reused, so a re-run resumes.
    """
    from foi_sender.config import config_path
    from foi_sender.discovery import choose_councils, discover
    from foi_sender.discovery.crawl import Politeness, certificates

    chosen = choose_councils(app.home, tuple(council_ids), missing, every)
    settings = app.settings if config_path(app.home).exists() else None
    verify = certificates(settings.discover_ca_file if settings else None)
    politeness = Politeness(gap=gap, request_timeout=timeout)
    with progress_bar(len(chosen), "Discovering") as bar:
        try:
            outcomes = discover(
                app.home,
                chosen,
                requester_email=settings.requester.email if settings else None,
                verify=verify,
                concurrency=concurrency,
                politeness=politeness,
                progress=lambda o: bar.update(1, f"{o.council_id}: {o.outcome}"),
            )
        except KeyboardInterrupt:
            click.echo(
                "\nThe councils finished so far are kept; the same command again goes on "
                "(pages of the last day are not fetched again).",
                err=True,
            )
            raise
    if as_json:
        emit_json([_outcome_json(o) for o in outcomes])
        return
    rows = [
        (
            o.council_id,
            o.outcome,
            f"{o.best.address} ({o.best.score})" if o.best else "",
            f"{o.review.address} ({o.review.score})" if o.review else "",
        )
        for o in outcomes
    ]
    click.echo(format_table(("ID", "OUTCOME", "FOI ADDRESS (SCORE)", "REVIEW ADDRESS"), rows))
    found = sum(1 for o in outcomes if o.best)
    click.echo(
        f"{found} of {len(outcomes)} councils have a proposal: `foi-sender councils candidates` "
        "shows the evidence, `foi-sender councils accept ID` writes one."
    )
    notes = [f"{o.council_id}: {note}" for o in outcomes for note in o.notes]
    if notes:
        click.echo("\n".join(["", *notes]))
        click.echo(
            "An address on a domain not proven the council's is never proposed: if you know it "
            "is theirs, record it with `foi-sender councils set-email ID ADDRESS --source TEXT` "
            "(or `councils import`)."
        )


def _outcome_json(outcome) -> dict:
    return {
        "council": outcome.council_id,
        "outcome": outcome.outcome,
        "foi_email": outcome.best.as_json() if outcome.best else None,
        "review_email": outcome.review.as_json() if outcome.review else None,
        "moved_to": outcome.moved_to,
        "pages": outcome.pages,
        "notes": list(outcome.notes),
    }


@councils.command("candidates")
@click.argument("council_ids", nargs=-1, metavar="[ID]...")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def councils_candidates(app: AppContext, council_ids, as_json: bool) -> None:
    """List proposed addresses with their score and evidence (page or reply, and the words)."""
    from foi_sender.discovery import list_candidates

    found = list_candidates(app.home, tuple(council_ids))
    if as_json:
        emit_json([c.as_json() for c in found])
        return
    for c in found:
        click.echo(f"{c.council_id}  {c.kind:<6} {c.address}  score {c.score}  ({c.source})")
        click.echo(f"    where: {c.url} (found {c.found_on.isoformat()})")
        click.echo(f"    says:  {c.evidence}")
    click.echo(f"{len(found)} proposal(s) for {len({c.council_id for c in found})} council(s)")


@councils.command("accept")
@click.argument("council_id", metavar="[ID]", required=False)
@click.argument("address", required=False)
@click.option("--all", "every", is_flag=True, help="Every council without an address...")
@click.option(
    "--min-score", type=click.IntRange(0, 100), help="...whose best proposal scores at least S."
)
@pass_app
def councils_accept(app: AppContext, council_id, address, every, min_score) -> None:
    """Write a council's proposed address (its best, or ADDRESS) into the home's councils.yaml.

    email_source records the page (or reply) and the date it was found; comments and layout of
    the file are kept. With --all --min-score S: every council without an address whose best
    proposal scores at least S (review them first with `councils candidates`).
    """
    from foi_sender.discovery import accept

    path, copied, accepted = accept(app.home, council_id, address, every=every, min_score=min_score)
    if not accepted:
        click.echo("Nothing to write: no proposal is new (or none scores high enough).")
        return
    if copied:
        click.echo(f"Copied the shipped registry to {path} (it now replaces the shipped one).")
    for item in accepted:
        click.echo(f"{item.council_id}: {item.field} = {item.address} (source: {item.source})")
    click.echo(f"{len(accepted)} address(es) written to {path}")


@councils.command("reject")
@click.argument("council_id", metavar="ID")
@click.argument("address")
@pass_app
def councils_reject(app: AppContext, council_id: str, address: str) -> None:
    """Remember that ADDRESS is wrong for a council: never proposed for it again."""
    from foi_sender.discovery import reject

    removed = reject(app.home, council_id, address)
    click.echo(f"{council_id}: {address} rejected ({removed} proposal(s) removed)")


@councils.command("import")
@click.argument("file", metavar="FILE.csv", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@pass_app
def councils_import(app: AppContext, file: Path, dry_run: bool) -> None:
    """Import your own list of addresses from a CSV file.

    Columns: id, gss_code or name (names are matched tolerantly; ambiguous ones are refused);
    foi_email; optional review_email and source. Shows new / changed / unchanged addresses, then
    writes them into the home's councils.yaml (unless --dry-run).
    """
    from foi_sender.discovery.importer import import_file

    changes, path = import_file(app.home, file, dry_run=dry_run)
    for c in changes:
        was = f" (was {c.old})" if c.kind == "changed" else ""
        click.echo(f"{c.kind:<9} {c.council_id}: {c.field} = {c.new}{was}")
    counts = {k: sum(1 for c in changes if c.kind == k) for k in ("new", "changed", "unchanged")}
    summary = ", ".join(f"{n} {k}" for k, n in counts.items())
    if dry_run:
        click.echo(f"{summary}; nothing written (--dry-run)")
    elif path is None:
        click.echo(f"{summary}; nothing to write")
    else:
        click.echo(f"{summary}; written to {path}")


@cli.command()
@click.argument("council_id", metavar="COUNCIL")
@click.option(
    "--template",
    "template_name",
    default="placements_request",
    show_default=True,
    help="Template name (a .j2 in HOME/templates overrides the shipped one).",
)
@click.option("--round", "round_name", help="Fill in dates and references from this round.")
@pass_app
def draft(app: AppContext, council_id: str, template_name: str, round_name: str | None) -> None:
    """Print the message for COUNCIL: headers and body, exactly as it would be sent."""
    from foi_sender.rounds import draft_message

    message, letter = draft_message(app.home, app.settings, council_id, template_name, round_name)
    for note in letter.notes:
        click.echo(f"Warning: {note}; this letter cannot be sent.", err=True)
    for header in ("To", "From", "Reply-To", "Subject"):
        if message[header]:
            click.echo(f"{header}: {message[header]}")
    click.echo()
    click.echo(letter.body, nl=False)


@cli.command()
@click.argument("received", metavar="DATE")
@click.option("--regime", default="foia", show_default=True, help="foia, eir or foisa.")
@click.option("--days", default=20, show_default=True, type=int, help="Working days to count.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def deadline(app: AppContext, received: str, regime: str, days: int, as_json: bool) -> None:
    """The DAYSth working day after DATE (YYYY-MM-DD), the day of receipt being day 0."""
    from foi_sender import deadlines
    from foi_sender.config import config_path

    extra = app.settings.extra_holidays if config_path(app.home).exists() else ()
    explanation = deadlines.explain(
        deadlines.parse_date(received), deadlines.parse_regime(regime), days, extra
    )
    if as_json:
        emit_json(explanation.as_json())
    else:
        click.echo("\n".join(explanation.describe()))


@cli.command("read-reply")
@click.argument("path", metavar="FILE", type=click.Path(path_type=Path))
@click.option(
    "--template",
    "template_name",
    metavar="NAME",
    default="placements_request",
    show_default=True,
    help="Type the answers by this letter's question schema (NAME.questions.yaml).",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def read_reply(app: AppContext, path: Path, template_name: str, as_json: bool) -> None:
    """The facts in a council's reply (.txt .eml .pdf .docx .xlsx .odt); records nothing."""
    from foi_sender.replies import read_reply_for

    facts = read_reply_for(path, app.home, template_name).as_json()
    if as_json:
        emit_json(facts)
        return
    questions = facts.pop("questions")
    for key in ("answers", "numbers"):  # the questions below say it all
        facts.pop(key)
    for key, value in facts.items():
        if isinstance(value, list):
            click.echo(f"{key}: {', '.join(value) if value else '-'}")
        else:
            click.echo(f"{key}: {value if value is not None else '-'}")
    click.echo("questions:" if questions else "questions: -")
    for number, answer in questions.items():
        click.echo(f"  {number}. {describe_answer(answer)}")
        if answer["text"]:
            click.echo(f"     text: {' '.join(answer['text'].split())}")
        if answer["status"] not in ("answered",):
            click.echo(f"     evidence: {answer['evidence']}")
        for name, value in answer["fields"].items():
            shown = ("yes" if value else "no") if isinstance(value, bool) else value
            shown = "-" if value is None else shown
            click.echo(f"     {name}: {shown}")


def describe_answer(answer: dict) -> str:
    """`withheld (s40(2))`, `redirected to Kent County Council`, `answered`."""
    words = answer["status"]
    if answer["exemptions"]:
        words += f" ({', '.join(answer['exemptions'])})"
    if answer["redirected_to"]:
        words += f" to {answer['redirected_to']}"
    return words


@cli.command()
@click.argument("round_name", metavar="ROUND")
@click.option(
    "--template", "template_name", help="Template for a new round [default: placements_request]."
)
@click.option(
    "--council",
    "council_ids",
    multiple=True,
    metavar="ID",
    help="A council to include (repeatable).",
)
@click.option("--all", "all_councils", is_flag=True, help="Every council in the registry.")
@click.option(
    "--transport", type=click.Choice(["outbox", "smtp"]), help="Override [send] transport."
)
@click.option(
    "--dry-run", is_flag=True, help="Render, validate and show the plan; send and record nothing."
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--rate", type=AMOUNT, help="At most N letters a minute (0: no limit).")
@click.option(
    "--retry-uncertain", is_flag=True, help="Send again letters whose delivery is unknown."
)
@click.option("--retry-failed", is_flag=True, help="Send again letters the server refused.")
@click.option(
    "--retry-bounced",
    is_flag=True,
    help="Send bounced letters again, to the council's new address (set it first).",
)
@pass_app
def send(
    app: AppContext,
    round_name,
    template_name,
    council_ids,
    all_councils,
    transport,
    dry_run,
    yes,
    rate,
    retry_uncertain,
    retry_failed,
    retry_bounced,
) -> None:
    """Send ROUND: the first run creates it; a re-run resumes, never sending a letter twice."""
    from foi_sender import rounds
    from foi_sender.errors import IncompleteRound, InputError
    from foi_sender.ledger import ledger_path, open_ledger

    if council_ids and all_councils:
        raise InputError("give --council ID ... or --all, not both")
    if retry_bounced:
        if all_councils or template_name or retry_uncertain or retry_failed or rate is not None:
            raise InputError("--retry-bounced goes alone (with --council ID ... to choose)")
        _resend_bounced(app, round_name, council_ids, transport, dry_run, yes)
        return
    settings = app.settings
    with rounds.send_lock(app.home):
        ledger = open_ledger(app.home) if not dry_run or ledger_path(app.home).exists() else None
        try:
            plan = rounds.plan_send(
                app.home,
                settings,
                ledger,
                round_name,
                template=template_name,
                council_ids=council_ids,
                all_councils=all_councils,
                retry_uncertain=retry_uncertain,
                retry_failed=retry_failed,
                dry_run=dry_run,
            )
            show_plan(plan, transport or settings.transport, dry_run)
            _show_bounced(ledger, round_name)
            if dry_run or plan.to_send == 0:
                if dry_run:
                    click.echo("Dry run: nothing sent, nothing recorded.")
                _raise_if_incomplete(plan.uncertain, plan.failed)
                return
            if not yes:
                if not sys.stdin.isatty():
                    raise InputError("no terminal to confirm on: add --yes to send")
                click.confirm(f"Send {plan.to_send} letter(s)?", abort=True)
            chosen = rounds.open_transport(app.home, settings, transport)
            messages = rounds.commit_plan(ledger, plan)
            report = _send_with_progress(ledger, settings, chosen, messages, rate, plan.prebuilt)
        finally:
            if ledger:
                ledger.close()
    show_report(report)
    problems = len(report.failed) + len(report.uncertain) + len(report.deferred)
    problems += len(plan.uncertain) + len(plan.failed)
    if report.stopped:
        raise IncompleteRound(f"stopped by you; run `foi-sender send {round_name}` to resume")
    if problems:
        raise IncompleteRound(
            f"{problems} letter(s) not sent; see `foi-sender status {round_name}`"
        )


def _send_with_progress(ledger, settings, transport, messages, rate, prebuilt):
    import signal

    from foi_sender import rounds

    stop = {"asked": False}

    def ask_to_stop(signum, frame):
        if stop["asked"]:
            raise KeyboardInterrupt
        stop["asked"] = True
        click.echo("\nStopping after this letter (^C again to stop at once)...", err=True)

    previous = signal.signal(signal.SIGINT, ask_to_stop)
    try:
        with progress_bar(len(messages), "Sending") as bar:

            def advance(council, outcome):
                bar.update(1, f"{council}: {outcome}")

            return rounds.send_messages(
                ledger,
                settings,
                transport,
                messages,
                rate_per_minute=settings.rate_per_minute if rate is None else rate,
                progress=advance,
                should_stop=lambda: stop["asked"],
                retries=settings.smtp.retries,
                retry_delay=settings.smtp.retry_delay,
                prebuilt=prebuilt,
            )
    finally:
        signal.signal(signal.SIGINT, previous)


def show_plan(plan, transport: str, dry_run: bool = False) -> None:
    verb = "New round" if plan.creating_round else "Round"
    click.echo(f"{verb} {plan.round_name!r} (template {plan.template}, transport {transport}):")
    if plan.already_sent:
        click.echo(f"  {plan.already_sent} already sent (skipped)")
    if plan.recovered_uncertain:
        became = "would become" if dry_run else "now"
        click.echo(
            f"  {plan.recovered_uncertain} left mid-send by a stopped run: {became} uncertain"
        )
    for label, rows in (
        ("uncertain (delivery unknown; --retry-uncertain to resend)", plan.uncertain),
        ("failed (--retry-failed to resend)", plan.failed),
    ):
        if rows:
            click.echo(f"  {len(rows)} {label}")
    for council_id, old, new in plan.readdressed.values():
        click.echo(f"  {council_id}: retried at its new address {old} -> {new}")
    if plan.missing_address:
        click.echo(
            f"  {len(plan.missing_address)} skipped, no FOI address: "
            + _id_list([c.id for c in plan.missing_address])
        )
    click.echo(f"  {plan.to_send} to send now")


def _show_bounced(ledger, round_name: str) -> None:
    from foi_sender.lifecycle import bounced_in_round

    for council_id, address in bounced_in_round(ledger, round_name) if ledger else ():
        click.echo(
            f"  {council_id}: the letter to {address} bounced; "
            + _bounce_fix(round_name, council_id)
        )


def _bounce_fix(round_name: str, council_id: str) -> str:
    return (
        f"record a new address (`foi-sender councils discover {council_id}`, or `councils "
        f"set-email {council_id} ADDRESS --source TEXT --force`), then `foi-sender send "
        f"{round_name} --retry-bounced`"
    )


def _resend_bounced(app: AppContext, round_name, council_ids, transport, dry_run, yes) -> None:
    """`send --retry-bounced`: the bounced request letters again, to the councils' new addresses."""
    from foi_sender.errors import IncompleteRound
    from foi_sender.followups import prepare_resend

    prepared = prepare_resend(app.home, app.settings, round_name, tuple(council_ids))
    for skipped in prepared.skipped:
        click.echo(f"Skipped: {skipped}", err=True)
    if not prepared.followups:
        if prepared.skipped:
            raise IncompleteRound(
                f"no bounced letter could be sent again ({len(prepared.skipped)} skipped)"
            )
        click.echo(f"No bounced letter in round {round_name}.")
        return
    rows = [
        (f.state.request.council_id, (f.state.bounce or {}).get("recipient") or "", f.letter.to)
        for f in prepared.followups
    ]
    click.echo(format_table(("COUNCIL", "BOUNCED AT", "SEND TO"), rows))
    if dry_run:
        click.echo("Dry run: nothing sent, nothing recorded.")
        return
    _confirm_and_send(app, prepared, True, yes, transport)


def _id_list(ids: list[str], shown: int = 12) -> str:
    """Name every id when there are few; else the first few and where to see the rest."""
    import textwrap

    text = ", ".join(ids[:shown])
    if len(ids) > shown:
        text += f" and {len(ids) - shown} more (`foi-sender councils list --missing-email`)"
    return textwrap.fill(
        text, width=78, subsequent_indent="    ", break_on_hyphens=False, initial_indent=" " * 36
    ).lstrip()


def show_report(report) -> None:
    click.echo(f"Sent {len(report.sent)}.")
    for label, rows in (
        ("Failed", report.failed),
        ("Uncertain", report.uncertain),
        ("Deferred (temporary failure, re-run to retry)", report.deferred),
        ("Not sent", report.skipped),
    ):
        for council, reply in rows:
            click.echo(f"  {label}: {council}: {reply}")


def _raise_if_incomplete(uncertain, failed) -> None:
    from foi_sender.errors import IncompleteRound

    if uncertain or failed:
        raise IncompleteRound(f"{len(uncertain) + len(failed)} letter(s) uncertain or failed")


STATUS_COLUMNS = (
    "COUNCIL",
    "STATUS",
    "SENT",
    "DUE",
    "LEFT",
    "REPLIED",
    "REVIEW BY",
    "REV. DUE",
    "REF",
)
# Short labels keep the table readable at 80 columns; --json has the full names.
STATUS_LABELS = {
    "partially_successful": "partial",
    "long_overdue": "long overdue",
    "review_requested": "review asked",
    "review_overdue": "review late",
    "review_answered": "reviewed",
    "clarification_requested": "clarify?",
}


@cli.command()
@click.argument("round_name", metavar="[ROUND]", required=False)
@click.option("--overdue", is_flag=True, help="Only requests past their reply or review due date.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def status(app: AppContext, round_name: str | None, overdue: bool, as_json: bool) -> None:
    """Where every request stands: sent, due, days left, response, review dates."""
    from foi_sender.config import config_path
    from foi_sender.lifecycle import round_states

    settings = app.settings if config_path(app.home).exists() else None
    states = round_states(app.home, settings, round_name)
    warn_broken(states)
    if overdue:
        states = [s for s in states if s.status in ("overdue", "long_overdue", "review_overdue")]
    if as_json:
        emit_json([s.as_json() for s in states])
        return
    rows = [
        (
            s.request.council_id
            if round_name
            else f"{s.request.round_name}/{s.request.council_id}",
            STATUS_LABELS.get(s.status, s.status.replace("_", " "))
            + ("?" if s.unconfirmed and s.status == s.outcome else ""),
            _short(s.sent_on),
            _short(s.due),
            "" if s.days_left is None or s.answered else s.days_left,
            _short(s.response_on),
            _short(s.review_window_closes),
            _short(s.review_due),
            s.reference or "",
        )
        for s in states
    ]
    if not rows:
        click.echo("No requests." if not overdue else "Nothing overdue.")
        return
    click.echo(format_table(STATUS_COLUMNS, rows))
    counts: dict[str, int] = {}
    for s in states:
        counts[s.status] = counts.get(s.status, 0) + 1
    click.echo(", ".join(f"{n} {k.replace('_', ' ')}" for k, n in sorted(counts.items())))
    for note in _status_notes(states, bool(round_name)):
        click.echo(note)
    if counts.get("sending"):
        click.echo(
            f"Note: {counts['sending']} letter(s) `sending`: being sent now, or, if no foi-sender "
            "is running, stopped mid-send; the next `send` marks them uncertain (sent again only "
            "with --retry-uncertain).",
            err=True,
        )


def _status_notes(states, one_round: bool) -> list[str]:
    """What the table cannot show: unconfirmed outcomes, bounces, a council's own due date."""
    notes = []
    unconfirmed = [s for s in states if s.unconfirmed]
    if unconfirmed:
        notes.append(
            f"? {len(unconfirmed)} outcome(s) read from the reply, not yet confirmed: "
            "`foi-sender inbox confirm`, or correct one with `respond ... --outcome ... --replace`"
        )
    for s in states:
        name = (
            s.request.council_id if one_round else f"{s.request.round_name}/{s.request.council_id}"
        )
        if s.status == "bounced":
            why = s.bounce.get("diagnostic") or s.bounce.get("status_code") or "no reason given"
            notes.append(
                f"{name}: the letter to {s.bounce.get('recipient') or s.letter.to_address} bounced "
                f"({why if len(why) <= 70 else why[:69] + '…'}); "
                + _bounce_fix(s.request.round_name, s.request.council_id)
            )
        elif s.council_due_differs and not s.answered:
            notes.append(
                f"{name}: the council says it will answer by {s.council_due}; "
                f"the statutory due date is {s.due}"
            )
    return notes


def warn_broken(states) -> None:
    """Name every request whose dates cannot be worked out; the others are shown as usual."""
    for s in states:
        if s.broken:
            click.echo(
                f"Warning: {s.request.round_name}/{s.request.council_id}: {s.broken}", err=True
            )


def _short(day) -> str:
    """`14 Apr` this year; any other year in full (`14 Apr 2026`), never as two ambiguous digits
    (`31 Dec 99` could be 1999 or 9999)."""
    if day is None:
        return ""
    return f"{day.day} {day:%b}" if day.year == _today().year else f"{day.day} {day:%b} {day.year}"


OUTCOME_CHOICE = click.Choice(
    ["successful", "partially_successful", "refused", "not_held", "redirected"]
)


def _day(text: str | None):
    from foi_sender.deadlines import parse_date

    return parse_date(text) if text is not None else None


def _today():
    from foi_sender.deadlines import today

    return today()


@cli.command()
@click.argument("round_name", metavar="ROUND")
@click.argument("council_id", metavar="[COUNCIL]", required=False)
@click.option("--on", "on", metavar="DATE", help="When the reply arrived (YYYY-MM-DD).")
@click.option("--outcome", type=OUTCOME_CHOICE, help="What the council decided.")
@click.option("--reference", help="The council's case reference.")
@click.option(
    "--exemption",
    "exemptions",
    multiple=True,
    metavar="CODE",
    help="An exemption cited, e.g. s40(2), 'section 43', reg12(5)(e) (repeatable).",
)
@click.option(
    "--file",
    "file",
    type=click.Path(path_type=Path),
    help="The reply (.eml/.txt/.pdf/.docx): read for missing facts, kept in the home.",
)
@click.option("--review", is_flag=True, help="This is the answer to the internal review.")
@click.option(
    "--replace", "replace_earlier", is_flag=True, help="Record it in place of the reply recorded."
)
@pass_app
def respond(
    app: AppContext,
    round_name,
    council_id,
    on,
    outcome,
    reference,
    exemptions,
    file,
    review,
    replace_earlier,
):
    """Record a council's reply; with --file the council, date and outcome can come from it.

    The same reply given again is not recorded twice; a different one for a request that has
    one needs --replace (or `foi-sender undo` first)."""
    from foi_sender.errors import InputError
    from foi_sender.lifecycle import open_request, record_response, respond_from_file

    learned = ()
    if file is not None:
        recorded = respond_from_file(
            app.home,
            app.settings,
            round_name,
            council_id,
            file,
            on=_day(on),
            outcome=outcome,
            reference=reference,
            exemptions=tuple(exemptions),
            review=review,
            replace_earlier=replace_earlier,
        )
        council_id, day, outcome = recorded.council_id, recorded.on, recorded.outcome
        review, done = review or recorded.review, recorded.recorded
        if recorded.matched_on:
            click.echo(f"Matched {council_id} by {recorded.matched_on}.")
        learned = recorded.learned
    else:
        if not council_id or not on or not outcome:
            raise InputError("give COUNCIL, --on and --outcome (or --file with the reply)")
        day = _day(on)
        with open_request(app.home, app.settings, round_name, council_id) as located:
            done = record_response(
                located,
                on=day,
                outcome=outcome,
                reference=reference,
                exemptions=tuple(exemptions),
                file=None,
                home=app.home,
                today=_today(),
                review=review,
                replace_earlier=replace_earlier,
            ).new
    what = f"{'review answer' if review else 'response'} of {day.isoformat()}"
    done_text = "recorded" if done else "already recorded, nothing changed"
    click.echo(f"{round_name}/{council_id}: {what} {done_text} ({outcome.replace('_', ' ')}).")
    for proposal in learned:
        click.echo(
            f"Proposed {proposal.kind} address {proposal.address} for {council_id}, from the "
            f"reply (`foi-sender councils candidates {council_id}`)."
        )


@cli.command()
@click.argument("round_name", metavar="ROUND")
@click.argument("council_id", metavar="COUNCIL")
@click.option(
    "--on",
    "on",
    required=True,
    metavar="DATE",
    help="When the council received your clarification.",
)
@pass_app
def clarify(app: AppContext, round_name, council_id, on) -> None:
    """Record a clarification: the 20 working days start again from DATE."""
    from foi_sender.lifecycle import open_request, record_clarification

    with open_request(app.home, app.settings, round_name, council_id) as located:
        record_clarification(located, on=_day(on), today=_today())
    _print_due(app, round_name, council_id)


@cli.command()
@click.argument("round_name", metavar="ROUND")
@click.argument("council_id", metavar="COUNCIL")
@click.option("--days", type=int, help="N more working days on top of the current due date.")
@click.option("--to", "to", metavar="DATE", help="The new due date the council gave.")
@pass_app
def extend(app: AppContext, round_name, council_id, days, to) -> None:
    """Record an extension (FOIA public-interest test, EIR reg 7)."""
    from foi_sender.lifecycle import open_request, record_extension

    with open_request(app.home, app.settings, round_name, council_id) as located:
        record_extension(located, days=days, to=_day(to), today=_today())
    _print_due(app, round_name, council_id)


@cli.command("mark-sent")
@click.argument("round_name", metavar="ROUND")
@click.argument("council_id", metavar="COUNCIL")
@click.option("--on", "on", metavar="DATE", help="When the council received it [the last try].")
@pass_app
def mark_sent(app: AppContext, round_name, council_id, on) -> None:
    """The council confirms it got a letter shown `uncertain`: record it as sent."""
    from foi_sender.lifecycle import confirm_delivery, open_request

    with open_request(app.home, app.settings, round_name, council_id) as located:
        received = confirm_delivery(located, on=_day(on), today=_today())
    click.echo(f"{round_name}/{council_id}: sent, received {received.isoformat()}.")
    _print_due(app, round_name, council_id)


@cli.command()
@click.argument("round_name", metavar="ROUND")
@click.argument("council_id", metavar="COUNCIL")
@pass_app
def withdraw(app: AppContext, round_name, council_id) -> None:
    """Record that you withdrew the request: no more chasers or deadlines for it."""
    from foi_sender.lifecycle import open_request, record_withdrawal

    with open_request(app.home, app.settings, round_name, council_id) as located:
        record_withdrawal(located, today=_today())
    click.echo(f"{round_name}/{council_id}: withdrawn.")


def _print_due(app: AppContext, round_name: str, council_id: str) -> None:
    from foi_sender.lifecycle import open_request

    with open_request(app.home, app.settings, round_name, council_id) as located:
        state = located.state
    if state.broken:
        click.echo(f"Warning: {round_name}/{council_id}: {state.broken}", err=True)
    elif state.due is not None:
        click.echo(
            f"{round_name}/{council_id}: reply now due {state.due.isoformat()} "
            f"({state.days_left} working days left)."
        )


@cli.command()
@click.argument("round_name", metavar="ROUND")
@click.argument("council_id", metavar="COUNCIL")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_app
def undo(app: AppContext, round_name, council_id, yes) -> None:
    """Undo the last reply, clarification, extension or withdrawal recorded for a request.

    It is kept in the ledger, marked undone. Letters are never un-sent: when a letter came after
    the last event, nothing is undone."""
    from foi_sender.errors import InputError
    from foi_sender.lifecycle import open_request
    from foi_sender.lifecycle.undo import describe, last_event, undo_event

    with open_request(app.home, app.settings, round_name, council_id) as located:
        event = last_event(located)
        click.echo(f"{round_name}/{council_id}: the last event is the {describe(event)}.")
        if not yes:
            if not sys.stdin.isatty():
                raise InputError("no terminal to confirm on: add --yes to undo it")
            click.confirm("Undo it?", abort=True)
        undo_event(located, event, _today())
    click.echo(f"{round_name}/{council_id}: undone (the ledger keeps it, marked undone).")
    _print_due(app, round_name, council_id)


@cli.group()
def calendar() -> None:
    """Deadline calendars: an .ics file to import, or a CalDAV calendar kept in step."""


@calendar.command("export")
@click.argument("round_name", metavar="[ROUND]", required=False)
@click.option(
    "-o",
    "--output",
    required=True,
    type=OUTPUT_PATH,
    help="The .ics file to write (replaced atomically); - for standard output.",
)
@click.option("--alarm-days", type=click.IntRange(0, 60), help="Reminder N days before [foi.toml].")
@pass_app
def calendar_export(app: AppContext, round_name, output, alarm_days) -> None:
    """Write the deadlines of ROUND (or of every round) as an .ics file."""
    from foi_sender.calendar.ics import export_calendar

    settings = app.settings
    days = settings.alarm_days if alarm_days is None else alarm_days
    broken: list = []
    count = export_calendar(app.home, settings, round_name, output, days, broken=broken)
    warn_broken(broken)
    to_stdout = str(output) == "-"
    click.echo(
        f"Wrote {count} events to {'standard output' if to_stdout else output}.", err=to_stdout
    )


@calendar.command("push")
@click.argument("round_name", metavar="[ROUND]", required=False)
@click.option("--url", required=True, help="The CalDAV calendar (or collection) URL.")
@click.option("--user", help="CalDAV user; password from FOI_SENDER_CALDAV_PASSWORD or keyring.")
@click.option("--alarm-days", type=click.IntRange(0, 60), help="Reminder N days before [foi.toml].")
@pass_app
def calendar_push(app: AppContext, round_name, url, user, alarm_days) -> None:
    """Create, update in place and cancel events in a CalDAV calendar."""
    from foi_sender.calendar.caldav import push_deadlines

    settings = app.settings
    days = settings.alarm_days if alarm_days is None else alarm_days
    broken: list = []
    report = push_deadlines(app.home, settings, round_name, url, user, days, broken=broken)
    warn_broken(broken)
    click.echo(
        f"{report.calendar_url}: {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged."
    )


def _show_letters(prepared) -> None:
    for note in prepared.notes:
        click.echo(f"Note: {note}", err=True)
    for followup in prepared.followups:
        letter = followup.letter
        click.echo(f"To: {letter.to or '(no address)'}")
        click.echo(f"Subject: {letter.subject}")
        click.echo()
        click.echo(letter.body)


def _confirm_and_send(app: AppContext, prepared, send: bool, yes: bool, transport) -> None:
    from foi_sender.errors import IncompleteRound, InputError
    from foi_sender.followups import send_prepared

    if not send or not prepared.followups:
        if prepared.followups:
            click.echo("Draft only: add --send to mail it.", err=True)
        return
    if not yes:
        if not sys.stdin.isatty():
            raise InputError("no terminal to confirm on: add --yes to send")
        click.confirm(f"Send {len(prepared.followups)} letter(s)?", abort=True)
    report = send_prepared(app.home, app.settings, prepared, transport)
    show_report(report)
    if report.failed or report.uncertain or report.deferred:
        raise IncompleteRound("not every letter went; see above")


@cli.command()
@click.argument("round_name", metavar="ROUND")
@click.argument("council_id", metavar="COUNCIL")
@click.option("--grounds", help="Why the council should look again.")
@click.option(
    "--grounds-file", type=click.Path(dir_okay=False, path_type=Path), help="Grounds from a file."
)
@click.option("--send", is_flag=True, help="Mail it to the council's review address and record it.")
@click.option(
    "--resend", is_flag=True, help="Chase a review: re-send the letter, quoted, threaded."
)
@click.option("--force", is_flag=True, help="Go ahead although the council is not late / answered.")
@click.option(
    "--transport", type=click.Choice(["outbox", "smtp"]), help="Override [send] transport."
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_app
def review(
    app: AppContext,
    round_name,
    council_id,
    grounds,
    grounds_file,
    send,
    resend,
    force,
    transport,
    yes,
) -> None:
    """Draft (and with --send, send) an internal-review letter; --resend chases one."""
    from foi_sender import followups
    from foi_sender.errors import InputError

    if grounds and grounds_file:
        raise InputError("give --grounds or --grounds-file, not both")
    if resend:
        prepared = followups.prepare_review_chaser(
            app.home, app.settings, round_name, council_id, force=force
        )
        send = True
    else:
        text = followups.read_grounds_file(grounds_file) if grounds_file else grounds
        prepared = followups.prepare_review(
            app.home, app.settings, round_name, council_id, grounds=text, force=force
        )
    _show_letters(prepared)
    _confirm_and_send(app, prepared, send, yes, transport)


@cli.command()
@click.argument("round_name", metavar="ROUND")
@click.option("--send", is_flag=True, help="Mail the chasers (else only list who is overdue).")
@click.option(
    "--transport", type=click.Choice(["outbox", "smtp"]), help="Override [send] transport."
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_app
def chase(app: AppContext, round_name, send, transport, yes) -> None:
    """Remind every council past its reply due date (at most once a day each).

    Councils that cannot be chased (gone from councils.yaml, no address) are named and skipped;
    the exit code is 1 only when there were some and none could be chased."""
    from foi_sender.errors import IncompleteRound
    from foi_sender.followups import prepare_chase

    prepared = prepare_chase(app.home, app.settings, round_name)
    for note in prepared.notes:
        click.echo(f"Note: {note}", err=True)
    for skipped in prepared.skipped:
        click.echo(f"Skipped: {skipped}", err=True)
    if not prepared.followups:
        if prepared.skipped:
            raise IncompleteRound(f"no council could be chased ({len(prepared.skipped)} skipped)")
        click.echo("No council to chase.")
        return
    rows = [
        (f.state.request.council_id, f.state.due.isoformat(), f.state.days_overdue, f.letter.to)
        for f in prepared.followups
    ]
    click.echo(format_table(("COUNCIL", "DUE", "WORKING DAYS LATE", "TO"), rows))
    if not send:
        click.echo(
            f"Add --send to mail {len(rows)} chaser(s); see one with "
            f"`foi-sender draft COUNCIL --round {round_name} --template overdue_chaser`."
        )
        return
    _confirm_and_send(app, prepared, send, yes, transport)


@cli.command()
@click.argument("round_name", metavar="ROUND")
@click.argument("council_id", metavar="COUNCIL")
@click.option("--force", is_flag=True, help="Draft it even before the internal review is over.")
@pass_app
def complain(app: AppContext, round_name, council_id, force) -> None:
    """Draft a complaint to the ICO (or the Scottish Information Commissioner)."""
    from foi_sender.followups import prepare_complaint

    prepared = prepare_complaint(app.home, app.settings, round_name, council_id, force=force)
    for note in prepared.notes:
        click.echo(f"Note: {note}", err=True)
    letter = prepared.followups[0].letter
    click.echo(f"Subject: {letter.subject}\n\n{letter.body}", nl=False)
    click.echo(
        "Paste this into the regulator's complaint form, with your correspondence.", err=True
    )


@cli.command()
@click.argument("round_name", metavar="ROUND")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "json", "xlsx"]),
    default="csv",
    show_default=True,
    help="xlsx: an Excel workbook (needs -o FILE, or -o - for a pipe), with a sheet defining "
    "every column.",
)
@click.option(
    "-o",
    "--output",
    type=OUTPUT_PATH,
    help="Write here (atomically) instead of standard output (-).",
)
@pass_app
def export(app: AppContext, round_name, fmt, output) -> None:
    """One row per council: status, dates, outcome, reference, exemptions, and each question's
    status, text, exemptions and typed fields (from the template's question schema)."""
    from foi_sender.config import config_path
    from foi_sender.dataset import dataset_table, render_dataset, write_dataset
    from foi_sender.errors import InputError

    if fmt == "xlsx" and output is None:
        raise InputError(
            "--format xlsx writes a workbook file: give -o FILE.xlsx (or -o - to pipe it)"
        )
    settings = app.settings if config_path(app.home).exists() else None
    table, rows = dataset_table(app.home, settings, round_name)
    for row in rows:
        if row["status"] == "broken":
            click.echo(
                f"Warning: {round_name}/{row['council']}: broken, its dates left empty "
                f"(`foi-sender status {round_name}` names the bad event)",
                err=True,
            )
    if fmt == "xlsx":
        from foi_sender.spreadsheet import write_xlsx

        write_xlsx(output, table, rows)
        where = "standard output" if str(output) == "-" else output
        click.echo(f"Wrote {len(rows)} rows to {where}.", err=True)
        return
    text = render_dataset(rows, fmt, [c.name for c in table])
    if output is None or str(output) == "-":
        click.echo(text, nl=False)
        return
    write_dataset(output, text)
    click.echo(f"Wrote {len(rows)} rows to {output}.", err=True)


@cli.command()
@click.argument("round_name", metavar="ROUND")
@click.option(
    "-o",
    "--output",
    required=True,
    type=OUTPUT_PATH,
    help="The .html file to write (replaced atomically); - for standard output.",
)
@pass_app
def report(app: AppContext, round_name, output) -> None:
    """The round as one self-contained HTML page: counts, a UK map, charts and the answers."""
    from foi_sender.config import config_path
    from foi_sender.report import write_report

    settings = app.settings if config_path(app.home).exists() else None
    written = write_report(app.home, settings, round_name, output)
    to_stdout = str(output) == "-"
    click.echo(
        f"Wrote {'standard output' if to_stdout else written.path}: {written.requests} requests, "
        f"{written.answered} answered. Open it in any web browser; it needs no network.",
        err=to_stdout,
    )


@cli.group()
def login() -> None:
    """Sign in once to a mail provider that takes no password (OAuth2)."""


@login.command("microsoft")
@pass_app
def login_microsoft(app: AppContext) -> None:
    """Sign in to Microsoft 365 or Outlook.com (device code), for auth = "microsoft"."""
    from foi_sender import microsoft

    def show(url: str, code: str) -> None:
        click.echo(f"To sign in, open {url} in a browser and enter the code {code}")

    who = microsoft.login_for(app.settings, show)
    click.echo(f"Signed in as {who}; the sign-in is kept in the system keyring.")


@cli.group()
def inbox() -> None:
    """Replies from your mailbox: fetch or import, classify, match, record; the holding pen."""


@inbox.command("fetch")
@click.option("--folder", help="The IMAP folder to read [foi.toml [imap] folder, else INBOX].")
@click.option("--since", metavar="DATE", help="Only mail received on or after DATE.")
@click.option("--move-to", metavar="FOLDER", help="Move recorded messages here once committed.")
@click.option("--dry-run", is_flag=True, help="Show what would be recorded; record nothing.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def inbox_fetch(app: AppContext, folder, since, move_to, dry_run, as_json) -> None:
    """Read new mail from the IMAP mailbox in foi.toml (left unread) and record the replies."""
    from foi_sender import inbox as core

    run = core.fetch(
        app.home,
        app.settings,
        folder=folder,
        since=_day(since),
        move_to=move_to,
        dry_run=dry_run,
    )
    _run_inbox(run, dry_run, as_json)


@inbox.command("import")
@click.argument(
    "paths", metavar="PATH...", nargs=-1, required=True, type=click.Path(path_type=Path)
)
@click.option("--dry-run", is_flag=True, help="Show what would be recorded; record nothing.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def inbox_import(app: AppContext, paths, dry_run, as_json) -> None:
    """Read replies from .eml files, Maildir folders and mbox files, and record them."""
    from foi_sender import inbox as core

    _run_inbox(
        core.import_paths(app.home, app.settings, list(paths), dry_run=dry_run), dry_run, as_json
    )


def _run_inbox(run, dry_run: bool, as_json: bool) -> None:
    with (
        run,
        click.progressbar(
            length=run.total, label="Reading", file=sys.stderr, item_show_func=lambda x: x
        ) as bar,
    ):
        report = run.process(progress=lambda line: bar.update(1, line.kind))
    if as_json:
        emit_json(
            {
                "messages": [line.as_json() for line in report.lines],
                "summary": report.summary(),
                "moved": report.moved,
                "dry_run": dry_run,
            }
        )
        return
    for line in report.lines:
        number = f"#{line.id}" if line.id is not None else "-"
        rule = f"  [{line.rule}]" if line.rule else ""
        click.echo(
            f"{number:>5} {line.kind:<16} {line.council or '(no request)':<28} {line.result}{rule}"
        )
    summary = ", ".join(f"{n} {label}" for label, n in sorted(report.summary().items()))
    moved = f"; {report.moved} moved" if report.moved else ""
    click.echo(f"{len(report.lines)} message(s): {summary or 'nothing new'}{moved}.")
    if dry_run:
        click.echo("Dry run: nothing stored, nothing recorded.")
    held = report.summary().get("held")
    if held:
        click.echo(f"{held} held: see `foi-sender inbox pending`.")


@inbox.command("pending")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def inbox_pending(app: AppContext, as_json: bool) -> None:
    """The holding pen: messages no rule could match to a request, with best guesses."""
    from foi_sender import inbox as core

    rows = core.pending(app.home)
    if as_json:
        emit_json([r.as_json() for r in rows])
        return
    if not rows:
        click.echo("Nothing held.")
        return
    for row in rows:
        click.echo(f"#{row.id} {row.kind}: {row.sender or '?'} | {row.subject or '(no subject)'}")
        click.echo(f"    {row.sent_at or 'no date'}; {row.result}")
        if row.guesses:
            click.echo(f"    best guesses: {'; '.join(row.guesses)}")
    click.echo(
        f"{len(rows)} held: `foi-sender inbox assign MSG ROUND COUNCIL` or `inbox ignore MSG`."
    )


@inbox.command("assign")
@click.argument("message", metavar="MSG", type=int)
@click.argument("round_name", metavar="ROUND")
@click.argument("council_id", metavar="COUNCIL")
@click.option("--replace", is_flag=True, help="Its answer replaces the one recorded before.")
@pass_app
def inbox_assign(app: AppContext, message: int, round_name: str, council_id: str, replace) -> None:
    """Record held message MSG as being about ROUND's request to COUNCIL."""
    from foi_sender import inbox as core

    line = core.assign(app.home, app.settings, message, round_name, council_id, replace=replace)
    click.echo(f"#{line.id} {line.kind} {line.council}: {line.result}")


@inbox.command("ignore")
@click.argument("message", metavar="MSG", type=int)
@pass_app
def inbox_ignore(app: AppContext, message: int) -> None:
    """Settle held message MSG as not about any request."""
    from foi_sender import inbox as core

    core.ignore(app.home, message)
    click.echo(f"#{message} ignored.")


@inbox.command("confirm")
@click.argument("round_name", metavar="[ROUND]", required=False)
@click.argument("council_id", metavar="[COUNCIL]", required=False)
@pass_app
def inbox_confirm(app: AppContext, round_name, council_id) -> None:
    """Confirm the outcomes read from replies (all, a round's, or one council's).

    To correct one instead: `respond ROUND COUNCIL --on DATE --outcome OUTCOME --replace`.
    """
    from foi_sender import inbox as core

    done = core.confirm(app.home, app.settings, round_name, council_id)
    for text in done:
        click.echo(f"Confirmed {text.replace('_', ' ')}.")
    if not done:
        click.echo("No unconfirmed outcomes.")


def format_table(headers: tuple[str, ...], rows: list[tuple]) -> str:
    cells = [tuple("" if v is None else str(v) for v in row) for row in rows]
    widths = [max([len(h)] + [len(row[i]) for row in cells]) for i, h in enumerate(headers)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join(line.format(*row).rstrip() for row in [headers, *cells])


def main() -> None:
    try:
        cli(prog_name="foi-sender")
    finally:
        # The command is over and has closed what it opened: spare the interpreter's exit its
        # garbage collections, which walk every object click, Jinja2, the email package and
        # yagmail made (20 to 30 ms, as long as sending ten letters takes). Modules are still
        # torn down and atexit handlers still run; a leftover cycle is simply not collected.
        gc.freeze()
