"""The `intake-bot` command line (SPEC §2)."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from intake_bot import __version__, deadlines, serialize
from intake_bot.errors import ConfigError, InputError, InvalidTransition, NotFound
from intake_bot.logs import setup_logging
from intake_bot.settings import Settings, load_settings, resolve_secrets

log = logging.getLogger("intake_bot")

Command = Callable[[argparse.Namespace, Settings], int]


def _dump(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False))


def _list(settings: Settings, fetch: Callable[[AsyncSession], Awaitable[list[dict[str, Any]]]],
          columns: Sequence[str], as_json: bool) -> int:
    """A list command: rows from the store, as JSON lines or as a table."""
    async def work(sessions: async_sessionmaker[AsyncSession]) -> int:
        async with sessions() as sess:
            rows = await fetch(sess)
        if as_json:
            _dump(rows)
        else:
            print(serialize.table(rows, columns))
        return 0

    return asyncio.run(_with_store(settings, work))


async def _with_store(
    settings: Settings, work: Callable[[async_sessionmaker[AsyncSession]], Awaitable[int]]
) -> int:
    """Open the configured store (migrating it when auto_upgrade is on), run `work`, close it."""
    from intake_bot.store.engine import make_engine, make_sessions, upgrade

    engine = make_engine(settings.database.url, settings.database.pool_size)
    try:
        if settings.database.auto_upgrade:
            await upgrade(engine)
        return await work(make_sessions(engine))
    finally:
        await engine.dispose()


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from aiohttp import web

    from intake_bot.app import create_app

    print(f"intake-bot {__version__}: HTTP on http://{settings.http.host}:{settings.http.port}/ "
          f"(store: {settings.database.url.split('://')[0]})", file=sys.stderr)
    web.run_app(
        create_app(settings), host=settings.http.host, port=settings.http.port,
        print=None, access_log=None,
    )
    return 0


def cmd_deadline(args: argparse.Namespace, settings: Settings) -> int:
    status = 0
    for arg in args.received:
        report = deadlines.deadline_report(arg, settings.deadlines.extension_mode)
        status = 1 if "error" in report else status
        _dump(report)
    return status


def cmd_classify(args: argparse.Namespace, settings: Settings) -> int:
    from intake_bot.nlp.classify_cli import run_classify

    return run_classify(args.model, sys.stdin, sys.stdout)


def cmd_evaluate(args: argparse.Namespace, settings: Settings) -> int:
    from intake_bot.nlp.classifier import Classifier
    from intake_bot.nlp.evaluate import evaluate, load_gold, plot_confusion, render

    report = evaluate(Classifier(args.model), load_gold(args.data))
    print(render(report))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if args.plot:
        plot_confusion(report, args.plot)
        print(f"\nconfusion matrix drawn to {args.plot}")
    return 0


def _print_summary(summary: Any) -> int:
    for err in summary.errors:
        print(str(err), file=sys.stderr)
    counts = summary.as_dict()
    print(", ".join(f"{k}: {v}" for k, v in counts.items()))
    return 1 if summary.errors else 0


def cmd_cases_import(args: argparse.Namespace, settings: Settings) -> int:
    from intake_bot.case_import import import_cases

    async def work(sessions: async_sessionmaker[AsyncSession]) -> int:
        summary = await import_cases(sessions, args.file, settings.cpr_key(), show_progress=True)
        return _print_summary(summary)

    return asyncio.run(_with_store(resolve_secrets(settings), work))


def cmd_clients_import(args: argparse.Namespace, settings: Settings) -> int:
    from intake_bot.case_import import import_clients

    async def work(sessions: async_sessionmaker[AsyncSession]) -> int:
        return _print_summary(await import_clients(sessions, args.file, show_progress=True))

    return asyncio.run(_with_store(settings, work))


def cmd_agents_add(args: argparse.Namespace, settings: Settings) -> int:
    from intake_bot.store.agents import add_agent

    async def work(sessions: async_sessionmaker[AsyncSession]) -> int:
        async with sessions.begin() as sess:
            login = await add_agent(sess, args.name, args.role)
        print(f"agent:    {login.agent.name} ({login.agent.role})")
        print(f"password: {login.password}   (one-time: must be changed at first login)")
        print(f"token:    {login.token}   (shown once; use as 'Authorization: Bearer <token>')")
        return 0

    return asyncio.run(_with_store(settings, work))


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from intake_bot.store.engine import make_engine, upgrade

    async def run() -> int:
        engine = make_engine(settings.database.url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()
        print("database is at the latest revision")
        return 0

    return asyncio.run(run())


def cmd_tickets_list(args: argparse.Namespace, settings: Settings) -> int:
    from intake_bot.store.tickets import list_tickets

    async def fetch(sess: AsyncSession) -> list[dict[str, Any]]:
        return [serialize.ticket_summary(t) for t in await list_tickets(sess, args.status)]

    return _list(settings, fetch, ("ref", "status", "due", "rights", "subject_type",
                                   "verification", "needs_review"), args.json)


def cmd_tickets_show(args: argparse.Namespace, settings: Settings) -> int:
    from intake_bot.store.tickets import get_ticket

    async def work(sessions: async_sessionmaker[AsyncSession]) -> int:
        async with sessions() as sess:
            detail = await serialize.ticket_detail(sess, await get_ticket(sess, args.ref))
        if args.json:
            _dump(detail)
        else:
            for key, value in detail.items():
                if key not in ("messages", "events"):
                    print(f"{key:22} {value}")
            for e in detail["events"]:
                print(f"  {e['at']}  {e['actor']:12} {e['action']:12} {e['details']}")
        return 0

    return asyncio.run(_with_store(settings, work))


def cmd_tickets_extend(args: argparse.Namespace, settings: Settings) -> int:
    from intake_bot import followups
    from intake_bot.replies import Templates
    from intake_bot.store.models import utcnow
    from intake_bot.store.tickets import get_ticket

    templates = Templates(settings.replies.templates, settings.replies.default_language)

    async def work(sessions: async_sessionmaker[AsyncSession]) -> int:
        async with sessions.begin() as sess:
            ticket = await get_ticket(sess, args.ref)
            await followups.extend(sess, settings, templates, ticket, args.reason,
                                   f"cli:{args.by}", utcnow())
            print(f"{ticket.ref} extended to {ticket.extended_due.isoformat()}; "
                  "the notice is in the outbox")
        return 0

    return asyncio.run(_with_store(settings, work))


def cmd_outbox_list(args: argparse.Namespace, settings: Settings) -> int:
    return _list(settings, serialize.outbox_list, ("id", "status", "ticket", "to", "subject"),
                 args.json)


def cmd_inbound_list(args: argparse.Namespace, settings: Settings) -> int:
    async def fetch(sess: AsyncSession) -> list[dict[str, Any]]:
        return await serialize.inbound_list(sess, args.status)

    return _list(settings, fetch, ("id", "status", "reason", "error", "ticket_id",
                                   "received_at"), args.json)


def cmd_inbound_show(args: argparse.Namespace, settings: Settings) -> int:
    from intake_bot.sealing import Sealer
    from intake_bot.store.models import InboundMessage

    async def work(sessions: async_sessionmaker[AsyncSession]) -> int:
        async with sessions() as sess:
            row = await sess.get(InboundMessage, args.id)
            if row is None:
                raise NotFound(f"no inbound message {args.id}")
            if args.raw:  # the original bytes, e.g. to look at a quarantined mail
                sys.stdout.buffer.write(Sealer(settings.cpr_key()).open(row.raw))
                return 0
            _dump({**serialize.inbound_json(row), "text": row.text})
        return 0

    return asyncio.run(_with_store(resolve_secrets(settings), work))


def cmd_inbound_reprocess(args: argparse.Namespace, settings: Settings) -> int:
    from intake_bot.store.inbound import requeue

    async def work(sessions: async_sessionmaker[AsyncSession]) -> int:
        async with sessions.begin() as sess:
            await requeue(sess, args.id)
        print(f"inbound {args.id} is queued again; the running service picks it up")
        return 0

    return asyncio.run(_with_store(settings, work))


def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    async def work(sessions: async_sessionmaker[AsyncSession]) -> int:
        async with sessions() as sess:
            counts = await serialize.stats(sess)
        if args.json:
            _dump(counts)
        else:
            print(", ".join(f"{k}: {v}" for k, v in counts.items()))
        return 0

    return asyncio.run(_with_store(settings, work))


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", type=Path, default=argparse.SUPPRESS,
                        help="TOML file on top of config/defaults.toml")
    parser = argparse.ArgumentParser(
        prog="intake-bot", parents=[common],
        description="GDPR request intake by email and web chat.",
    )
    parser.add_argument("--version", action="version", version=f"intake-bot {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, fn: Command, helptext: str,
            into: argparse._SubParsersAction[argparse.ArgumentParser] = sub,
            ) -> argparse.ArgumentParser:
        p = into.add_parser(name, parents=[common], help=helptext, description=helptext)
        p.set_defaults(fn=fn)
        return p

    add("serve", cmd_serve, "run SMTP intake, HTTP and the workers in one process")
    from intake_bot.nlp.paths import DEFAULT_MODEL_DIR, DEFAULT_TEST_FILE

    p = add("classify", cmd_classify,
            "classify JSON Lines messages from stdin to stdout (SPEC §2)")
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL_DIR,
                   help="folder with the trained pipelines (default: nlp_models/trained)")
    p = add("evaluate", cmd_evaluate,
            "evaluate the classifier on a labelled JSON Lines file")
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL_DIR)
    p.add_argument("--data", type=Path, default=DEFAULT_TEST_FILE,
                   help="labelled messages (default: the held-out test split)")
    p.add_argument("--json", type=Path, help="also write the figures as JSON here")
    p.add_argument("--plot", type=Path, help="draw the subject-type confusion matrix (PNG)")
    p = add("deadline", cmd_deadline, "print the Art. 12(3) deadlines for receipt times")
    p.add_argument("received", nargs="+", metavar="RECEIVED",
                   help="ISO 8601 timestamp with offset, or a date (= 12:00 Copenhagen)")

    for noun, fn, what in (("cases", cmd_cases_import, "case data"),
                           ("clients", cmd_clients_import, "clients (sellers)")):
        group = sub.add_parser(noun, help=f"{what} import").add_subparsers(
            dest="action", required=True, metavar="ACTION")
        p = add("import", fn, f"import {what} from a .jsonl or .csv file (SPEC §4)", group)
        p.add_argument("file", type=Path)

    group = sub.add_parser("agents", help="agent logins").add_subparsers(
        dest="action", required=True, metavar="ACTION")
    p = add("add", cmd_agents_add, "create a login; prints a one-time password and a token",
            group)
    p.add_argument("name")
    p.add_argument("--role", required=True, choices=("agent", "supervisor", "admin"))

    group = sub.add_parser("db", help="database").add_subparsers(
        dest="action", required=True, metavar="ACTION")
    add("upgrade", cmd_db_upgrade, "apply migrations to the configured database", group)

    group = sub.add_parser("tickets", help="the operator's view of tickets").add_subparsers(
        dest="action", required=True, metavar="ACTION")
    p = add("list", cmd_tickets_list, "list tickets, earliest due first", group)
    p.add_argument("--status")
    p.add_argument("--json", action="store_true")
    p = add("show", cmd_tickets_show, "show one ticket", group)
    p.add_argument("ref")
    p.add_argument("--json", action="store_true")

    p = add("extend", cmd_tickets_extend,
            "extend a ticket by two months and send the notice (RULES D-7, D-9)", group)
    p.add_argument("ref")
    p.add_argument("--reason", required=True,
                   choices=("amount_of_data", "spread_across_units", "redaction",
                            "intelligibility", "exceptional_influx"))
    p.add_argument("--by", required=True, help="who approved it (supervisor)")

    group = sub.add_parser("outbox", help="outgoing mail").add_subparsers(
        dest="action", required=True, metavar="ACTION")
    p = add("list", cmd_outbox_list, "queued and sent outgoing mail", group)
    p.add_argument("--json", action="store_true")

    group = sub.add_parser("inbound", help="stored inbound messages").add_subparsers(
        dest="action", required=True, metavar="ACTION")
    p = add("list", cmd_inbound_list, "inbound messages, newest first", group)
    p.add_argument("--status", help="e.g. quarantined")
    p.add_argument("--json", action="store_true")
    p = add("show", cmd_inbound_show, "one inbound message (CPR-masked text)", group)
    p.add_argument("id", type=int)
    p.add_argument("--raw", action="store_true", help="write the original bytes to stdout")
    p = add("reprocess", cmd_inbound_reprocess,
            "send a quarantined message through the pipeline again", group)
    p.add_argument("id", type=int)

    p = add("stats", cmd_stats, "reconciliation counts of accepted messages (SPEC §5)")
    p.add_argument("--json", action="store_true")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(getattr(args, "config", None))
    except ConfigError as exc:
        print(f"intake-bot: configuration error: {exc}", file=sys.stderr)
        return 2
    setup_logging(settings.service.log_level)
    fn: Command = args.fn
    try:
        return fn(args, settings)
    except ConfigError as exc:
        print(f"intake-bot: configuration error: {exc}", file=sys.stderr)
        return 2
    except (InputError, NotFound, InvalidTransition) as exc:
        print(f"intake-bot: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
