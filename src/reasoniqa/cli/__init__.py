"""`reasoniqa <step>`: the workflow's steps, declared by stage in this package's modules (a table of
contents: each step parses its arguments and calls one library function).

User mistakes (UserError) print one line and exit 2; heavy imports happen inside the steps, so
`reasoniqa --help` stays fast.
"""

from __future__ import annotations

import argparse
import sys

from reasoniqa import UserError, __version__
from reasoniqa.cli import data, evaluation, figures, inference, project, training
from reasoniqa.cli.common import setup_logging

GROUPS = (data, training, inference, evaluation, figures, project)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="reasoniqa", formatter_class=argparse.RawDescriptionHelpFormatter,
                                description="Reasoned, stable blind image quality assessment with VLMs: "
                                            "the workflow's steps (`reasoniqa STEP --help` for one).")
    p.add_argument("--version", action="version", version=__version__)
    sub = p.add_subparsers(dest="step", required=True, metavar="STEP")
    listing = []
    for group in GROUPS:
        listing.append(f"{group.__doc__.strip()}:")

        def step(name, func, help_):
            # no `help=`: argparse would list the steps flat; the epilog lists them by stage instead
            s = sub.add_parser(name, description=help_)
            s.add_argument("--config", action="append", metavar="YAML",
                           help="workflow config (default config/config.yaml); repeat it for a base "
                                "and its overrides, merged in order")
            s.add_argument("--log", help="also write the log to this file")
            s.set_defaults(func=func)
            listing.append(f"  {name:<24}{help_}")
            return s

        group.add_steps(step)
    p.epilog = "steps:\n" + "\n".join(listing)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(args.log)
    try:
        try:
            args.func(args)
        except FileNotFoundError as exc:  # a path given on the command line that does not exist
            raise UserError(f"no such file or folder: {exc.filename}") from None
    except UserError as exc:
        message = f"reasoniqa {args.step}: error: {exc}"
        print(message, file=sys.stderr)
        if args.log:  # the rule's log must say why the job failed, too
            with open(args.log, "a") as f:
                f.write(message + "\n")
        return 2
    except KeyboardInterrupt:
        print(f"reasoniqa {args.step}: interrupted", file=sys.stderr)
        return 130
    return 0
