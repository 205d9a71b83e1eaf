"""The ``ausbildungsbot`` command line."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.coach.routing import CoachGroup, CoachRouting
from bot.config import ConfigError, Settings, load_settings
from bot.database import DatabaseError, upgrade
from bot.runtime import open_runtime, setup_logging
from dialogs.i18n import LANGUAGES, negotiate

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine
    from telegram.error import TelegramError

    from bot.models import Handoff
    from bot.sources import SourceStore
    from dialogs.model import State
    from knowledge.catalogue import Catalogue

NO_TOKEN = (
    "No TELEGRAM_BOT_TOKEN is set, so this is the console chat (same dialogs, same database).\n"
    "To connect Telegram: create a bot with @BotFather, put TELEGRAM_BOT_TOKEN=<token> into .env "
    "and run `make run` again."
)


class Failure(Exception):
    """An expected failure of a command (a file that cannot be read, a network that is down): the message
    is one line naming the cause; the exit code is 1."""


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {number}")
    return number


def _encoding_arg(value: str) -> str:
    import codecs

    try:
        return codecs.lookup(value).name
    except LookupError:
        raise argparse.ArgumentTypeError(
            f"unknown encoding {value!r} (e.g. utf-8, cp1252, latin-1)"
        ) from None


def _delimiter_arg(value: str) -> str:
    value = {"tab": "\t", "\\t": "\t"}.get(value, value)
    if len(value) != 1:
        raise argparse.ArgumentTypeError(f"{value!r}: one character, e.g. ';' or ',' (or 'tab')")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ausbildungsbot",
        description="Telegram assistant that helps young people in Herne and Bochum find an Ausbildung.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = sub.add_parser("run", help="run the Telegram bot (long polling); console chat without a token")
    run.add_argument(
        "--webhook",
        action="store_true",
        help="receive updates by webhook (needs WEBHOOK_URL, WEBHOOK_SECRET)",
    )
    run.set_defaults(func=_run)
    chat = sub.add_parser("chat", help="chat with the bot in this terminal")
    chat.add_argument("--user", type=int, default=1, help="user id to chat as (default 1)")
    chat.add_argument(
        "--lang", choices=LANGUAGES, help="language for a new user (default: from $LANG, else de)"
    )
    chat.set_defaults(func=_chat)
    match = sub.add_parser("match", help="match typed occupation wishes to official Ausbildungsberufe")
    match.add_argument(
        "query", nargs="?", help="what a young person typed; without it, one query per line from stdin"
    )
    match.add_argument("--lang", choices=LANGUAGES, default="de", help="language of the everyday names shown")
    match.add_argument("--limit", type=_positive_int, default=3, help="most matches per query (default 3)")
    match.add_argument("--json", action="store_true", help="one JSON line per query")
    match.set_defaults(func=_match)
    places = sub.add_parser("places", help="open Ausbildung places: import and demo data")
    places_sub = places.add_subparsers(dest="places_command", required=True, metavar="ACTION")
    imp = places_sub.add_parser("import", help="import offers from a CSV file or the BA job search")
    imp.add_argument("file", nargs="?", help="CSV file (columns: see README)")
    imp.add_argument("--source", help="name of the CSV source (default: the file name without extension)")
    imp.add_argument(
        "--delimiter",
        type=_delimiter_arg,
        help="CSV: column separator, e.g. ';' as Excel writes it in Germany (default: read from the header)",
    )
    imp.add_argument(
        "--encoding",
        type=_encoding_arg,
        default="utf-8-sig",
        help="CSV: text encoding, e.g. cp1252 for an older Excel file (default UTF-8)",
    )
    imp.add_argument("--ba", action="store_true", help="import from the Bundesagentur für Arbeit job search")
    imp.add_argument("--where", default="Herne", help="BA: place to search around (default Herne)")
    imp.add_argument("--radius", type=_positive_int, default=25, help="BA: radius in km (default 25)")
    imp.add_argument("--was", help="BA: occupation to search for (default: all Ausbildung offers)")
    imp.set_defaults(func=_places_import)
    places_sub.add_parser("demo", help="load the fictional demo places for Herne and Bochum").set_defaults(
        func=_places_demo
    )
    report = sub.add_parser("report", help="market report: places and wishes per occupation and city")
    report.add_argument("--city", help="only this city (e.g. Herne)")
    report.add_argument(
        "--group", metavar="TOWN", help="only the towns of this town's coach group (COACH_GROUPS)"
    )
    report.add_argument(
        "--since", type=_date_arg, help="only profiles and places since this date (YYYY-MM-DD)"
    )
    report.add_argument(
        "--format", choices=("md", "csv", "png"), default="md", help="output format (default md)"
    )
    report.add_argument("--out", help="write to this file (required for png; default: standard output)")
    report.add_argument(
        "--funnel",
        action="store_true",
        help="only the funnel: how far people got, per source, language, town",
    )
    report.set_defaults(func=_report)
    sources = sub.add_parser("sources", help="where young people come from: deep links and QR codes")
    sources_sub = sources.add_subparsers(dest="sources_command", required=True, metavar="ACTION")
    add = sources_sub.add_parser("add", help="register a source (or rename it) and print its link")
    add.add_argument("code", type=_source_code, help="1-64 characters of A-Z, a-z, 0-9, _ and -")
    add.add_argument("--name", required=True, help='e.g. "Hauptschule am Schwalbenweg, Herne"')
    add.set_defaults(func=_sources_add)
    qr = sources_sub.add_parser("qr", help="write the source's link as a QR code PNG for a flyer")
    qr.add_argument("code", type=_source_code, help="a registered source")
    qr.add_argument("--out", required=True, help="the PNG file to write")
    qr.set_defaults(func=_sources_qr)
    sources_sub.add_parser("list", help="every source with its people count").set_defaults(func=_sources_list)
    handoffs = sub.add_parser("handoffs", help="list coach requests (oldest first)")
    handoffs.add_argument("--all", action="store_true", help="include closed requests")
    handoffs.add_argument(
        "--group", metavar="TOWN", help="only the requests of this town's coach group (COACH_GROUPS)"
    )
    handoffs.set_defaults(func=_handoffs)
    sub.add_parser(
        "check", help="check configuration, database and Bot API; exit 1 with the reason"
    ).set_defaults(func=_check)
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_sub.add_parser("upgrade", help="apply all Alembic migrations").set_defaults(func=_db_upgrade)
    return parser


async def _chat(settings: Settings, args: argparse.Namespace) -> int:
    from bot.console import chat

    runtime = await open_runtime(settings)
    try:
        lang = args.lang or negotiate(_env_language())
        await chat(runtime.dialogs, args.user, lang, old_exports=settings.data_dir / "exports")
    finally:
        await runtime.close()
    return 0


def _env_language() -> str | None:
    value = os.environ.get("LANG", "")
    return (
        value.split(".")[0] if value and value not in ("C", "POSIX") and not value.startswith("C.") else None
    )


async def _run(settings: Settings, args: argparse.Namespace) -> int:
    if settings.token is None:
        print(NO_TOKEN, file=sys.stderr)
        return await _chat(settings, argparse.Namespace(user=1, lang=None))
    if args.webhook and (not settings.webhook_url or settings.webhook_secret is None):
        raise ConfigError("WEBHOOK_URL and WEBHOOK_SECRET: both are needed for --webhook")
    from telegram.error import TelegramError

    from bot.telegram.app import run

    try:
        await run(settings, webhook=args.webhook)
    except TelegramError as exc:
        raise Failure(_bot_api_problem(exc, settings)) from None
    return 0


def _bot_api_problem(exc: TelegramError, settings: Settings) -> str:
    reason = f"{type(exc).__name__}: {exc}"
    if settings.token:
        reason = reason.replace(settings.token, "<token>")
    return f"Bot API at TELEGRAM_API_BASE_URL ({settings.telegram_api_base_url}) not usable: {reason}"


async def _match(settings: Settings, args: argparse.Namespace) -> int:
    import json

    from knowledge.matcher import default_occupations

    occupations = default_occupations()  # exactly the chat's pipeline: names, descriptions, "keine Ahnung"
    catalogue = occupations.matcher.catalogue
    queries = [args.query] if args.query is not None else (line.rstrip("\n") for line in sys.stdin)
    for query in queries:
        hits = occupations.match(query, args.lang, limit=max(1, args.limit))
        kldb = {h.id: o.kldb for h in hits if (o := catalogue.get(h.id)) is not None}
        if args.json:
            found = [
                {
                    "name": h.name,
                    "kldb": kldb.get(h.id, ""),
                    "score": h.score,
                    "kind": h.kind,
                    "why": h.why_label,
                }
                for h in hits
            ]
            print(json.dumps({"q": query, "matches": found}, ensure_ascii=False), flush=True)
            continue
        undecided = not hits and occupations.is_undecided(query, args.lang)
        print(f"{query}:" if hits else f"{query}: {'undecided' if undecided else 'no match'}")
        for h in hits:
            extra = f" ({h.local_name})" if h.local_name else ""
            why = f"  fits: {h.why_label}" if h.why_label else ""
            print(f"  {h.score:5.1f}  {h.name}{extra}  KldB {kldb.get(h.id) or '–'}{why}")
    return 0


def _stdin_lines() -> Iterator[str]:
    try:
        for line in sys.stdin:
            yield line.rstrip("\n")
    except UnicodeDecodeError as exc:
        raise Failure(
            f"standard input is not {exc.encoding} text (byte 0x{exc.object[exc.start]:02X})"
        ) from None


async def _places_import(settings: Settings, args: argparse.Namespace) -> int:
    from knowledge.ba_jobsuche import FetchError, fetch_offers
    from knowledge.places import ImportProblem

    if not args.ba and not args.file:
        print("ausbildungsbot: give a CSV file or --ba", file=sys.stderr)
        return 2
    text = _read_text(Path(args.file), args.encoding) if not args.ba else ""
    runtime = await open_runtime(settings)
    try:
        reader = runtime.offer_reader()
        if args.ba:
            try:
                raw = await fetch_offers(args.where, args.radius, args.was, base_url=settings.ba_api_url)
            except FetchError as exc:
                raise Failure(f"nothing imported: {exc}") from None
            source = f"ba:{args.where.lower()}:{args.radius}:{(args.was or '').lower()}"
            offers = reader.read_ba(raw)
        else:
            path = Path(args.file)
            try:
                offers = reader.read_csv(text, delimiter=args.delimiter)
            except ImportProblem as exc:
                raise Failure(f"nothing imported: {path.name} {exc}") from None
            source = f"csv:{args.source or path.stem}"
        report = await runtime.places_store.replace_source(source, offers)
        unmatched = sum(1 for o in offers if o.occupation_id is None)
        print(
            f"{report.source}: {report.added} added, {report.updated} updated, {report.deactivated} deactivated"
            + (f", {unmatched} without a known occupation" if unmatched else "")
        )
    finally:
        await runtime.close()
    return 0


def _read_text(path: Path, encoding: str) -> str:
    """The file as text; a file in another encoding (Excel's "CSV" is Windows-1252) names its first bad line."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise Failure(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise Failure(
            f"nothing imported: {path.name} line {line}: not {exc.encoding} text (byte 0x{data[exc.start]:02X}); "
            'save it as "CSV UTF-8" (Excel: Save As, "CSV UTF-8 (comma delimited)"), or name its encoding, '
            "e.g. --encoding cp1252"
        ) from None


async def _places_demo(settings: Settings, args: argparse.Namespace) -> int:
    from knowledge.demo_places import SOURCE, demo_offers

    runtime = await open_runtime(settings)
    try:
        offers = demo_offers(runtime.today(), runtime.offer_reader().occupation_of)
        report = await runtime.places_store.replace_source(SOURCE, offers, demo=True)
        print(f"demo places: {report.added} added, {report.updated} updated (all marked as examples)")
    finally:
        await runtime.close()
    return 0


def _date_arg(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2026-08-01") from None


async def _report(settings: Settings, args: argparse.Namespace) -> int:
    from bot.report.chart import render_png
    from bot.report.funnel import build_funnel, funnel_csv, funnel_markdown
    from bot.report.query import build_report
    from bot.report.render import render_csv, render_markdown

    if args.format == "png" and not args.out:
        raise ConfigError("--out: a file name is needed for --format png")
    out = Path(args.out) if args.out else None
    if out is not None:  # before the work: say at once that the file cannot be written
        if out.is_dir():
            raise Failure(f"--out {out}: is a directory; give a file name")
        if not out.parent.is_dir():
            raise Failure(f"--out {out}: the directory {out.parent} does not exist")
    runtime = await open_runtime(settings)
    try:
        towns = None
        if args.group:
            routing = runtime.dialogs.coach.routing
            group = _coach_group(routing, args.group)
            towns = routing.area(group, runtime.gazetteer.towns.values()) if routing else None
        report = await build_report(
            runtime.dialogs.sessions, runtime.catalogue, city=args.city, since=args.since, towns=towns
        )
        funnel = await build_funnel(runtime.dialogs.sessions, city=args.city, since=args.since)
    finally:
        await runtime.close()
    if args.format == "md":
        text = (
            funnel_markdown(funnel)
            if args.funnel
            else render_markdown(report) + "\n" + funnel_markdown(funnel)
        )
    else:
        text = funnel_csv(funnel) if args.funnel else render_csv(report)
    if out is None:
        sys.stdout.write(text)
        return 0
    try:
        if args.format == "png":
            render_png(report, out, funnel=funnel)
        else:
            out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise Failure(f"--out {out}: cannot write: {exc.strerror or exc}") from None
    print(f"{args.format} written to {out}", file=sys.stderr)
    return 0


def _source_code(value: str) -> str:
    from dialogs.steps import START_KEYWORDS
    from knowledge.sources import RESERVED, is_code

    if not is_code(value):
        raise argparse.ArgumentTypeError(f"{value!r}: 1-64 characters of A-Z, a-z, 0-9, _ and -")
    if value in RESERVED or value in START_KEYWORDS:
        raise argparse.ArgumentTypeError(f"{value!r} is reserved; choose another code")
    return value


async def _source_store(settings: Settings) -> tuple[SourceStore, AsyncEngine]:
    """The sources on the settings' database (migrated), without the dialog's catalogue and matcher."""
    from bot.database import create_engine, sessionmaker
    from bot.sources import SourceStore

    await upgrade(settings.db_url)
    db = create_engine(settings.db_url)
    return SourceStore(sessionmaker(db)), db


def _link(settings: Settings, code: str) -> str:
    from knowledge.sources import deep_link

    if not settings.telegram_bot_username:
        raise ConfigError("TELEGRAM_BOT_USERNAME: the bot's @username is needed for its links")
    return deep_link(settings.telegram_bot_username, code)


async def _sources_add(settings: Settings, args: argparse.Namespace) -> int:
    name = " ".join(args.name.split())
    if not name or len(name) > 200:
        raise ConfigError("--name: 1-200 characters")
    store, db = await _source_store(settings)
    try:
        created = await store.add(args.code, name)
    finally:
        await db.dispose()
    print(f"{'registered' if created else 'renamed'} {args.code}: {name}")
    if settings.telegram_bot_username:
        print(_link(settings, args.code))
    else:
        print("link: set TELEGRAM_BOT_USERNAME (the bot's @username) to print it")
    return 0


async def _sources_qr(settings: Settings, args: argparse.Namespace) -> int:
    from bot.qr import write_flyer_qr

    link, out = _link(settings, args.code), Path(args.out)
    store, db = await _source_store(settings)
    try:
        source = await store.get(args.code)
    finally:
        await db.dispose()
    if source is None:
        raise Failure(f"{args.code}: no such source (`ausbildungsbot sources add {args.code} --name ...`)")
    try:
        write_flyer_qr(link, source.name, out)
    except OSError as exc:
        raise Failure(f"--out {out}: cannot write: {exc.strerror or exc}") from None
    print(f"QR code for {link} written to {out}")
    return 0


async def _sources_list(settings: Settings, args: argparse.Namespace) -> int:
    from bot.report.render import people

    store, db = await _source_store(settings)
    try:
        counts = await store.counts()
    finally:
        await db.dispose()
    if not counts:
        print("no sources yet (`ausbildungsbot sources add CODE --name NAME`)")
    width = max((len(c.code) for c in counts), default=0)
    for count in counts:
        print(f"{count.code:{width}}  {people(count.people):>5} people  {count.name}")
    return 0


def _coach_group(routing: CoachRouting | None, town: str) -> CoachGroup:
    """The coach group of ``--group TOWN``."""
    group = routing.by_town(town) if routing else None
    if group is None:
        towns = ", ".join(g.town for g in routing.groups if g.town) if routing else "none"
        raise ConfigError(f"--group: no coach group for {town!r} (COACH_GROUPS: {towns})")
    return group


async def _handoffs(settings: Settings, args: argparse.Namespace) -> int:
    runtime = await open_runtime(settings)
    try:
        routing = runtime.dialogs.coach.routing
        members: list[int | None] | None = None
        if args.group:
            group = _coach_group(routing, args.group)
            members = [group.chat_id, None] if routing and group == routing.fallback else [group.chat_id]
        rows = await runtime.dialogs.handoffs.all(include_closed=args.all, chat_ids=members)
        if not rows:
            print("no open coach requests" if not args.all else "no coach requests")
        catalogue, now = runtime.catalogue, runtime.clock()
        for h in rows:
            print(_handoff_text(h, await runtime.dialogs.state(h.user_id), catalogue, now))
    finally:
        await runtime.close()
    return 0


def _local(moment: dt.datetime) -> str:
    from knowledge.region import LOCAL_TZ

    return f"{moment.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M %Z}"


def _duration(delta: dt.timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def _handoff_text(h: Handoff, state: State | None, catalogue: Catalogue, now: dt.datetime) -> str:
    """Two lines: the request (local time with zone, how long it waits) and the person (language, town,
    job wishes)."""
    created = h.created_at
    if h.status == "open":
        status = f"waiting {_duration(now - created)}"
    elif h.status == "taken":
        after = f" after {_duration(h.taken_at - created)}" if h.taken_at else ""
        status = f"taken by {h.coach_name or 'a coach'}{after}"
    else:
        status = f"closed {_local(h.closed_at)}" if h.closed_at else "closed"
        status += f" by {h.coach_name}" if h.coach_name else ""
    person = f"user {h.user_id}" + (f" {h.first_name}" if h.first_name else "")
    first = f"#{h.id} {h.status:6} since {_local(created)}, {status}: {person}"
    if state is None:
        return first + "\n    (no profile stored)"
    profile = state.profile
    wishes = [o.name for o in (catalogue.get(w) for w in profile.wishes) if o is not None]
    about = [
        f"language {state.lang}",
        f"age {profile.age}" if profile.age is not None else "",
        profile.location.name if profile.location else "no town",
        "wishes: " + (", ".join(wishes) if wishes else "none yet"),
    ]
    return first + "\n    " + " · ".join(part for part in about if part)


async def _check(settings: Settings, args: argparse.Namespace) -> int:
    """Health check: configuration (already validated), database, Bot API; every problem is one line on
    stderr, and any problem makes the exit code 1. Changes nothing: no file or directory is created and no
    migration applied."""
    problems = 0
    try:
        print(f"database: {await _database_state(settings.db_url)}")
    except (Failure, DatabaseError) as exc:
        print(f"ausbildungsbot: {exc}", file=sys.stderr)
        problems += 1
    if settings.token is None:
        print("Bot API: not checked (no TELEGRAM_BOT_TOKEN)")
        return 1 if problems else 0
    from telegram import Bot
    from telegram.error import TelegramError

    try:
        async with Bot(settings.token, base_url=settings.telegram_api_base_url) as bot:
            me = await bot.get_me()
        print(f"Bot API: ok (@{me.username})")
    except TelegramError as exc:
        print(f"ausbildungsbot: {_bot_api_problem(exc, settings)}", file=sys.stderr)
        problems += 1
    return 1 if problems else 0


async def _database_state(url: str) -> str:
    """Connect read-only and compare the schema with the newest migration."""
    from urllib.parse import quote

    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy.engine import make_url
    from sqlalchemy.ext.asyncio import create_async_engine

    from bot.database import alembic_config

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        if not parsed.database or not path.is_file():
            raise Failure(
                f"DATABASE_URL: the SQLite file {path} does not exist (`ausbildungsbot db upgrade` creates it)"
            )
        url = f"sqlite+aiosqlite:///file:{quote(str(path.resolve()))}?mode=ro&uri=true"
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            current = set(await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_heads()))
    except Exception as exc:  # any driver error: say it in one line
        first = str(exc).splitlines()[0] if str(exc) else ""
        raise DatabaseError(f"DATABASE_URL: cannot connect ({type(exc).__name__}: {first})") from None
    finally:
        await engine.dispose()
    script = ScriptDirectory.from_config(alembic_config(url))
    heads = set(script.get_heads())
    if current == heads:
        return "ok (schema up to date)"
    if not current:
        raise Failure(
            "DATABASE_URL: the database has no tables yet (`ausbildungsbot db upgrade` creates them)"
        )
    known = {rev.revision for rev in script.walk_revisions()}
    if not current <= known:
        raise Failure(
            f"DATABASE_URL: schema {', '.join(sorted(current))} is newer than this version of ausbildungsbot"
        )
    pending = {rev.revision for rev in script.iterate_revisions(tuple(heads), tuple(current))} - current
    return f"ok, {len(pending)} migration(s) pending (`ausbildungsbot db upgrade` or `run` applies them)"


async def _db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    await upgrade(settings.db_url)
    print("database is up to date", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        setup_logging(settings.log_level)
        return int(asyncio.run(args.func(settings, args)))
    except (ConfigError, DatabaseError) as exc:
        print(f"ausbildungsbot: {exc}", file=sys.stderr)
        return 2
    except Failure as exc:
        print(f"ausbildungsbot: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. `ausbildungsbot match < wishes.txt | head`: the reader has gone
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as exc:  # a file or directory that cannot be used: name it, no traceback
        where = f" {exc.filename}" if exc.filename else ""
        print(f"ausbildungsbot:{where} {exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
