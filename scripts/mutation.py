"""Mutation testing of one module with mutmut: `make mutation MODULE=standards/ifate.py`.

mutmut reads its settings from `[tool.mutmut]` in pyproject.toml and has no command-line option
for "mutate this one file" or "with these tests", so this script sets those two on mutmut's
configuration before handing over to `mutmut run`, then prints the share of mutants killed,
which mutmut itself does not. Usage (from the project's root, inside the virtual environment):

    python scripts/mutation.py MODULE [PYTEST_ARGS ...]

PYTEST_ARGS choose the tests, `tests --ignore=tests/e2e` when none are given. mutmut runs them
all once to learn which test calls which function, then runs, for each mutant, only the tests
that call the mutated function.
"""

import shutil
import sys
from pathlib import Path

DEFAULT_TESTS = ["tests", "--ignore=tests/e2e"]
# Detected by the tests; mutmut's own score counts a timeout as a kill too.
DETECTED = {"killed", "timeout", "caught by type check"}


def main(argv):
    if not argv or argv[0] in {"-h", "--help"}:
        print(__doc__)
        return 2
    module = Path(argv[0])
    tests = argv[1:] or DEFAULT_TESTS

    # Imported here so that --help works without mutmut installed.
    from mutmut.__main__ import cli
    from mutmut.configuration import config
    from mutmut.mutation.data import SourceFileMutationData
    from mutmut.stats import status_by_exit_code

    cfg = config()
    problem = _problem_with(module, cfg.source_paths)
    if problem:
        print(f"make mutation: {problem}", file=sys.stderr)
        return 2
    cfg.only_mutate = [str(module)]
    cfg.pytest_add_cli_args_test_selection = list(tests)

    # mutmut keeps verdicts in mutants/ and retests only functions whose code changed: a mutant
    # that survived would still be reported as surviving after the test that kills it was added.
    # Every run starts afresh.
    shutil.rmtree("mutants", ignore_errors=True)
    try:
        cli.main(["run"], prog_name="mutmut", standalone_mode=False)
    except SystemExit as exc:  # mutmut exits early when the tests fail without any mutant
        if exc.code:
            return exc.code

    data = SourceFileMutationData(path=module)
    data.load()
    statuses = {name: status_by_exit_code[code] for name, code in data.exit_code_by_key.items()}
    _report(module, statuses)
    return 0


def _problem_with(module, source_paths):
    if module.suffix != ".py" or not module.is_file():
        return f"MODULE={module} is not a Python file (give a path such as standards/ifate.py)"
    if module.is_absolute() or not any(
        module.parts[: len(Path(p).parts)] == Path(p).parts for p in source_paths
    ):
        paths = ", ".join(str(p) for p in source_paths)
        return f"MODULE={module} is not under mutmut's source_paths in pyproject.toml ({paths})"
    return None


def _report(module, statuses):
    counts = {}
    for status in statuses.values():
        counts[status] = counts.get(status, 0) + 1
    total = len(statuses)
    detected = sum(counts.get(status, 0) for status in DETECTED)
    survivors = sorted(name for name, status in statuses.items() if status not in DETECTED)

    print()
    print(f"Mutation testing of {module}")
    for status, count in sorted(counts.items(), key=lambda item: -item[1]):
        print(f"  {status:<30}{count:>5}")
    for name in survivors:
        print(f"  {statuses[name]}: {name}")
    if survivors:
        print("  See what a mutant changed with: .venv/bin/mutmut show NAME")
    share = f"{100 * detected / total:.1f}%" if total else "n/a"
    print(f"Killed {detected} of {total} mutants ({share}); {total - detected} not killed.")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
