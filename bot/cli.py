"""The ``ausbildungsbot`` command line."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
from collections.abc import Sequence

from bot.config import ConfigError, Settings, load_settings
from bot.database import DatabaseError, upgrade
from bot.runtime import open_runtime, setup_logging
from dialogs.i18n import LANGUAGES, negotiate

NO_TOKEN = (
    "No TELEGRAM_BOT_TOKEN is set, so this is the console chat (same dialogs, same database).\n"
    "To connect Telegram: create a bot with @BotFather, put TELEGRAM_BOT_TOKEN=<token> into .env "
    "and run `make run` again."
)


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
    match.add_argument("--limit", type=int, default=3, help="most matches per query (default 3)")
    match.add_argument("--json", action="store_true", help="one JSON line per query")
    match.set_defaults(func=_match)
    places = sub.add_parser("places", help="open Ausbildung places: import and demo data")
    places_sub = places.add_subparsers(dest="places_command", required=True, metavar="ACTION")
    imp = places_sub.add_parser("import", help="import offers from a CSV file or the BA job search")
    imp.add_argument("file", nargs="?", help="CSV file (columns: see README)")
    imp.add_argument("--source", help="name of the CSV source (default: the file name without extension)")
    imp.add_argument("--ba", action="store_true", help="import from the Bundesagentur für Arbeit job search")
    imp.add_argument("--where", default="Herne", help="BA: place to search around (default Herne)")
    imp.add_argument("--radius", type=int, default=25, help="BA: radius in km (default 25)")
    imp.add_argument("--was", help="BA: occupation to search for (default: all Ausbildung offers)")
    imp.set_defaults(func=_places_import)
    places_sub.add_parser("demo", help="load the fictional demo places for Herne and Bochum").set_defaults(
        func=_places_demo
    )
    report = sub.add_parser("report", help="market report: places and wishes per occupation and city")
    report.add_argument("--city", help="only this city (e.g. Herne)")
    report.add_argument(
        "--since", type=_date_arg, help="only profiles and places since this date (YYYY-MM-DD)"
    )
    report.add_argument(
        "--format", choices=("md", "csv", "png"), default="md", help="output format (default md)"
    )
    report.add_argument("--out", help="write to this file (required for png; default: standard output)")
    report.set_defaults(func=_report)
    handoffs = sub.add_parser("handoffs", help="list coach requests (oldest first)")
    handoffs.add_argument("--all", action="store_true", help="include closed requests")
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
    import os

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
    from bot.telegram.app import run

    await run(settings, webhook=args.webhook)
    return 0


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


async def _places_import(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    from knowledge.ba_jobsuche import FetchError, fetch_offers
    from knowledge.places import ImportProblem

    runtime = await open_runtime(settings)
    try:
        reader = runtime.offer_reader()
        if args.ba:
            try:
                raw = await fetch_offers(args.where, args.radius, args.was, base_url=settings.ba_api_url)
            except FetchError as exc:
                print(f"ausbildungsbot: nothing imported: {exc}", file=sys.stderr)
                return 1
            source = f"ba:{args.where.lower()}:{args.radius}:{(args.was or '').lower()}"
            offers = reader.read_ba(raw)
        elif args.file:
            path = Path(args.file)
            try:
                offers = reader.read_csv(path.read_text(encoding="utf-8-sig"))
            except (OSError, UnicodeDecodeError) as exc:
                print(f"ausbildungsbot: cannot read {path}: {exc}", file=sys.stderr)
                return 1
            except ImportProblem as exc:
                print(f"ausbildungsbot: nothing imported: {path.name} {exc}", file=sys.stderr)
                return 1
            source = f"csv:{args.source or path.stem}"
        else:
            print("ausbildungsbot: give a CSV file or --ba", file=sys.stderr)
            return 2
        report = await runtime.places_store.replace_source(source, offers)
        unmatched = sum(1 for o in offers if o.occupation_id is None)
        print(
            f"{report.source}: {report.added} added, {report.updated} updated, {report.deactivated} deactivated"
            + (f", {unmatched} without a known occupation" if unmatched else "")
        )
    finally:
        await runtime.close()
    return 0


async def _places_demo(settings: Settings, args: argparse.Namespace) -> int:
    import datetime as dt

    from knowledge.demo_places import SOURCE, demo_offers

    runtime = await open_runtime(settings)
    try:
        offers = demo_offers(dt.date.today(), runtime.offer_reader().occupation_of)
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
    from pathlib import Path

    from bot.report.chart import render_png
    from bot.report.query import build_report
    from bot.report.render import render_csv, render_markdown
    from knowledge.catalogue import default_catalogue

    if args.format == "png" and not args.out:
        raise ConfigError("--out: a file name is needed for --format png")
    runtime = await open_runtime(settings)
    try:
        report = await build_report(
            runtime.dialogs.sessions, default_catalogue(), city=args.city, since=args.since
        )
    finally:
        await runtime.close()
    if args.format == "png":
        render_png(report, Path(args.out))
        print(f"chart written to {args.out}", file=sys.stderr)
        return 0
    text = render_markdown(report) if args.format == "md" else render_csv(report)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


async def _handoffs(settings: Settings, args: argparse.Namespace) -> int:
    runtime = await open_runtime(settings)
    try:
        rows = await runtime.dialogs.handoffs.all(include_closed=args.all)
        if not rows:
            print("no open coach requests" if not args.all else "no coach requests")
        for h in rows:
            coach = f", coach {h.coach_name}" if h.coach_name else ""
            print(
                f"#{h.id} {h.status:6} since {h.created_at:%Y-%m-%d %H:%M} user {h.user_id} {h.first_name}{coach}"
            )
    finally:
        await runtime.close()
    return 0


async def _check(settings: Settings, args: argparse.Namespace) -> int:
    """Health check: configuration (already validated), database, Bot API."""
    await upgrade(settings.db_url)
    print("database: ok")
    if settings.token is None:
        print("Bot API: not checked (no TELEGRAM_BOT_TOKEN)")
        return 0
    from telegram import Bot
    from telegram.error import TelegramError

    try:
        async with Bot(settings.token, base_url=settings.telegram_api_base_url) as bot:
            me = await bot.get_me()
    except TelegramError as exc:
        print(
            f"ausbildungsbot: Bot API at TELEGRAM_API_BASE_URL not usable: {type(exc).__name__}: {exc}",
            file=sys.stderr,
        )
        return 1
    print(f"Bot API: ok (@{me.username})")
    return 0


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
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
