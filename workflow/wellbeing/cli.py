"""The ``wellbeing`` command: ``wellbeing init data/raw/<study>`` proposes a study's config block
from its raw exports; ``wellbeing check`` validates the config and the exports' headers as the
workflow does when it starts. The decisions are made in :mod:`wellbeing.detect`; this module only
reads the arguments, writes config.yaml and prints."""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

from .errors import UserError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wellbeing", description="Set up and check studies of the questionnaire-study pipeline.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    init = commands.add_parser(
        "init", help="propose a study's config block from the raw exports in a folder",
        description="Read the exports in FOLDER (data/raw/<study_id>), detect format, layout, waves, id, "
                    "group and instruments, append a commented study block to the config and print what "
                    "was decided and what to check. An existing study is never overwritten.")
    init.add_argument("folder", metavar="FOLDER", help="the study's raw folder, e.g. data/raw/my_study")
    init.add_argument("--study", metavar="NAME", help="study id (default: the folder's name)")
    init.add_argument("--config", default="config.yaml", metavar="PATH",
                      help="config file to append to (default: config.yaml; the repository is its folder)")
    init.add_argument("--dry-run", action="store_true", help="print the block; write nothing")
    check = commands.add_parser(
        "check", help="validate the config and the exports' headers without running anything",
        description="Run the checks the workflow runs when it starts: the config's schema, each study's "
                    "keys, instrument definitions, and item columns against the exports' headers.")
    check.add_argument("studies", nargs="*", metavar="STUDY", help="only these studies (default: all)")
    check.add_argument("--config", default="config.yaml", metavar="PATH", help="default: config.yaml")
    return parser


def _study_id(folder: Path, given: str | None) -> str:
    study_id = given or re.sub(r"[^a-z0-9_]+", "_", folder.name.lower()).strip("_")
    if not re.fullmatch(r"[a-z][a-z0-9_]*", study_id or ""):
        raise UserError(f"study id '{study_id}' is not lower case letters, digits and underscores starting "
                        "with a letter; give one with --study NAME")
    return study_id


def _write_atomically(path: Path, text: str) -> None:
    """Write the whole file or nothing: a temporary file beside it, then renamed over it."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        if path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _validate(config: dict, repo_root: Path, name: str) -> None:
    from .headers import check_items_in_headers
    from .study import validated_config

    checked = validated_config(config, repo_root, source_name=name)
    check_items_in_headers(checked, repo_root, source_name=name)


def run_init(args) -> int:
    import yaml

    from . import detect
    from .config import read_yaml_strict

    config_path = Path(args.config)
    repo_root = config_path.resolve().parent
    folder = Path(args.folder)
    if not folder.is_absolute():
        folder = Path.cwd() / folder
    if not folder.is_dir():
        raise UserError(f"{args.folder}: no such folder; put the raw exports in data/raw/<study_id>/ and "
                        "give that folder")
    study_id = _study_id(folder, args.study)
    existing = read_yaml_strict(config_path) if config_path.is_file() else None
    studies = (existing or {}).get("studies") if isinstance(existing, dict) else None
    if isinstance(studies, dict) and study_id in studies:
        raise UserError(f"{config_path}: study '{study_id}' is already configured; choose another id with "
                        f"--study NAME (or remove '{study_id}' from {config_path} first)")
    proposal = detect.propose(folder, repo_root, study_id)
    block = detect.render_block(proposal)
    report = detect.render_report(proposal)
    if not proposal.used() and not proposal.measures:
        print(report + "\nThe block it would write (nothing to score yet):\n\n" + block)
        raise UserError(f"{proposal.folder}: nothing to score: no instrument could be decided and no measure "
                        "was found (see 'Could not decide' above); fill in the block's commented lines, "
                        f"add it under studies: in {config_path.name} and run `wellbeing check`")
    text = config_path.read_text(encoding="utf-8") if config_path.is_file() else (
        "# The studies this pipeline analyses. Shape and every key: README.md, \"Adding a study\".\n")
    new_text = detect.append_study(text, block, study_id, config_path.name)
    # the study alone must pass the checks the workflow runs when it starts
    study = yaml.safe_load(new_text)["studies"][study_id]
    try:
        _validate({"studies": {study_id: study}}, repo_root, config_path.name)
    except UserError as error:
        raise UserError(f"the block init proposes does not validate ({error}); {config_path} is unchanged; "
                        "please report this with the output of --dry-run") from None
    print(report)
    if args.dry_run:
        print("The block (--dry-run: nothing written):\n")
        print(block)
        return 0
    _write_atomically(config_path, new_text)
    print(f"Wrote study '{study_id}' to {config_path}. Check the lines marked CHECK and UNDECIDED, then run "
          f"`wellbeing check {study_id}` and `make run`.")
    return 0


def run_check(args) -> int:
    from .config import read_yaml_strict

    config_path = Path(args.config)
    if not config_path.is_file():
        raise UserError(f"{config_path}: not found; run from the repository's root or give --config PATH")
    repo_root = config_path.resolve().parent
    config = read_yaml_strict(config_path)
    if not isinstance(config, dict):
        raise UserError(f"{config_path}: is not a mapping with a studies key")
    studies = config.get("studies") or {}
    if args.studies:
        unknown = [name for name in args.studies if name not in studies]
        if unknown:
            raise UserError(f"{config_path}: no study '{unknown[0]}' (studies: {', '.join(studies) or 'none'})")
        config = {**config, "studies": {name: studies[name] for name in args.studies}}
    _validate(config, repo_root, config_path.name)
    names = list(config["studies"])
    print(f"{config_path}: OK ({len(names)} {'study' if len(names) == 1 else 'studies'}: {', '.join(names)})")
    return 0


def _use_repository_library(args, argv) -> None:
    """Run the library of the repository being configured (its workflow/wellbeing, which its
    Snakefile runs and whose workflow/instruments it scores with), not another installed copy,
    e.g. one `pip install .` put in site-packages without the instrument definitions."""
    import wellbeing

    library = Path(args.config).resolve().parent / "workflow"
    if not (library / "wellbeing" / "__init__.py").is_file() or os.environ.get("WELLBEING_CLI_REEXEC"):
        return
    if Path(wellbeing.__file__).resolve().parent == (library / "wellbeing").resolve():
        return
    environment = {**os.environ, "WELLBEING_CLI_REEXEC": "1",
                   "PYTHONPATH": os.pathsep.join(filter(None, [str(library), os.environ.get("PYTHONPATH")]))}
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable, "-m", "wellbeing.cli",
                               *(sys.argv[1:] if argv is None else argv)], environment)


def main(argv=None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is not None:
        _use_repository_library(args, argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return run_init(args) if args.command == "init" else run_check(args)
    except UserError as error:
        sys.stdout.flush()
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
