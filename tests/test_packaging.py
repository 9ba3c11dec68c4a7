"""The production packaging, checked without a Docker engine: the Dockerfile's shape, compose.yaml
against the Compose specification's schema, and the Procfile, compose and Dockerfile naming the
same commands; `make stack-test` runs those commands for real (tests/stack/)."""

import ast
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest
import yaml
from dockerfile_parse import DockerfileParser

from tests.stack.services import read_procfile

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = Path(__file__).parent / "stack" / "compose-spec.json"
APP_SERVICES = ("web", "worker", "beat")
# Read by Django, Python or the image itself rather than by our settings.
PROCESS_VARIABLES = {"DJANGO_SETTINGS_MODULE", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"}
ENV_READERS = {"env_bool", "env_int", "env_list", "get", "getenv"}


def variables_read(*sources):
    """Environment variable names the given Python sources read: os.environ.get/getenv/[...]
    (or an ``environ`` mapping passed on) and the settings' env_bool/env_int/env_list, with a
    literal name."""
    names = set()
    for source in sources:
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if called in ENV_READERS or called.lstrip("_") in ENV_READERS:
                    # The name is the first string argument (helpers take the mapping first).
                    literal = [
                        arg.value
                        for arg in node.args[:2]
                        if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                    ]
                    names.update(literal[:1])
            elif (
                isinstance(node, ast.Subscript)
                and ast.unparse(node.value).endswith("environ")
                and isinstance(node.slice, ast.Constant)
            ):
                names.add(node.slice.value)
    return names


def as_command(value):
    return shlex.join(value) if isinstance(value, list) else " ".join(shlex.split(value))


@pytest.fixture(scope="module")
def dockerfile():
    return DockerfileParser(path=str(ROOT / "Dockerfile"))


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


@pytest.fixture(scope="module")
def procfile():
    return read_procfile((ROOT / "Procfile").read_text())


def final_stage(dockerfile):
    """The instructions after the last FROM."""
    structure = dockerfile.structure
    last_from = max(i for i, item in enumerate(structure) if item["instruction"] == "FROM")
    return structure[last_from:]


def test_dockerfile_is_multistage_and_copies_only_the_environment_from_the_builder(dockerfile):
    assert dockerfile.is_multistage
    assert len(dockerfile.parent_images) >= 2
    copies = [i["value"] for i in final_stage(dockerfile) if i["instruction"] == "COPY"]
    assert any(value.startswith("--from=") for value in copies)


def test_dockerfile_runs_as_a_user_that_is_not_root(dockerfile):
    stage = final_stage(dockerfile)
    users = [i["value"].split(":")[0] for i in stage if i["instruction"] == "USER"]
    assert users, "the final stage has no USER: the server would run as root"
    assert users[-1] not in {"root", "0"}


def test_dockerfile_collects_static_files_at_build_time_before_dropping_root(dockerfile):
    stage = final_stage(dockerfile)
    runs = [n for n, i in enumerate(stage) if i["instruction"] == "RUN"]
    collect = [n for n in runs if "manage.py collectstatic" in stage[n]["value"]]
    assert collect, "no RUN manage.py collectstatic in the final stage"
    # Settings refuse to load with DEBUG off and no key: the build gives one for this step only.
    assert "SECRET_KEY=" in stage[collect[0]]["value"]
    assert not any("SECRET_KEY" in i["value"] for i in stage if i["instruction"] == "ENV")


def test_dockerfile_command_is_gunicorn_with_the_projects_config(dockerfile):
    command = json.loads(dockerfile.cmd)
    assert command[0] == "gunicorn"
    assert "config/gunicorn.py" in command
    assert (ROOT / "config" / "gunicorn.py").exists()


def test_compose_file_follows_the_compose_specification(compose):
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator(schema).validate(compose)


def test_compose_schema_check_catches_a_broken_file(compose):
    """The validation can fail: an unknown service key and a wrong type are both refused."""
    schema = json.loads(SCHEMA.read_text())
    for broken in (
        {**compose, "services": {"web": {"image": "x", "comand": "typo"}}},
        {**compose, "services": {"web": {"image": "x", "ports": "8000:8000"}}},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.Draft7Validator(schema).validate(broken)


def test_compose_runs_every_process_with_its_stores(compose):
    services = compose["services"]
    assert {*APP_SERVICES, "postgres", "redis", "minio"} <= services.keys()
    assert "/healthz" in json.dumps(services["web"]["healthcheck"])
    for name in APP_SERVICES:
        assert services[name]["build"] == "."


def test_procfile_compose_and_dockerfile_name_the_same_commands(procfile, compose, dockerfile):
    assert {*APP_SERVICES, "release"} <= procfile.keys()
    for name in APP_SERVICES:
        assert as_command(compose["services"][name]["command"]) == as_command(procfile[name])
    assert as_command(json.loads(dockerfile.cmd)) == as_command(procfile["web"])
    assert as_command(compose["services"]["migrate"]["command"]) == as_command(procfile["release"])


def test_procfile_reader_refuses_what_honcho_would_misread():
    assert read_procfile("# c\n\nweb: gunicorn app\n") == {"web": "gunicorn app"}
    for bad in ("web gunicorn\n", "web:\n", "web: a\nweb: b\n", "two words: x\n"):
        with pytest.raises(ValueError):
            read_procfile(bad)


def test_every_variable_compose_gives_the_app_is_one_the_app_reads(compose):
    # The settings and the modules they read the environment through (config.files, ...).
    read = variables_read(*(path.read_text() for path in (ROOT / "config").glob("*.py")))
    # dj-database-url reads DATABASE_URL itself.
    read |= {"DATABASE_URL"} | PROCESS_VARIABLES
    for name in APP_SERVICES:
        given = set(compose["services"][name].get("environment", {}))
        assert given, f"{name} has no environment"
        unknown = given - read
        assert not unknown, f"compose gives {name} variables nothing reads: {sorted(unknown)}"


def test_variables_read_finds_each_way_of_reading():
    source = (
        "import os\nA = os.environ.get('A')\nB = env_int('B', 1)\nC = os.environ['C']\n"
        "D = os.getenv('D')\nE = env_list(name)\nF = environ['F']\nG = other['G']\n"
        "H = _get(environ, 'H', 'default')\n"
    )
    assert variables_read(source) == {"A", "B", "C", "D", "F", "H"}


def test_gunicorn_accepts_the_config_and_loads_the_app():
    """The web command's configuration, checked by gunicorn itself (it imports the app)."""
    env = {**os.environ, "DEBUG": "1", "PORT": "8000"}
    env.pop("DATABASE_URL", None)
    checked = subprocess.run(
        [
            Path(sys.executable).with_name("gunicorn"),
            "--config",
            "config/gunicorn.py",
            "--check-config",
            "config.wsgi:application",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr[-2000:]


def test_honcho_reads_the_procfile():
    checked = subprocess.run(
        [Path(sys.executable).with_name("honcho"), "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    assert "Valid procfile detected (release, web, worker, beat)" in checked.stderr


# The scale-out test's own helpers (tests/stack/), whose mistakes would pass or fail it wrongly.


def test_forms_are_filled_as_a_browser_would():
    from tests.stack.client import form_fields

    page = """
    <form method="get"><input name="q" value="search"></form>
    <form method="post">
      <input type="hidden" name="csrfmiddlewaretoken" value="t">
      <input name="title" value="Old"><input type="file" name="attachment">
      <select name="kind"><option value="">---------</option><option value="a">A</option>
        <option value="b">B</option></select>
      <select name="chosen"><option value="x">X</option><option value="y" selected>Y</option>
      </select>
      <input type="radio" name="role" value="manager">
      <input type="radio" name="role" value="mentor" checked>
      <input type="checkbox" name="agree" value="1">
      <textarea name="description">Some &amp; text</textarea>
      <button type="submit" name="go" value="1">Go</button>
    </form>"""
    assert form_fields(page, ["title"]) == {
        "csrfmiddlewaretoken": "t",
        "title": "Old",
        "kind": "a",
        "chosen": "y",
        "role": "mentor",
        "description": "Some & text",
    }
    with pytest.raises(Exception, match="no form"):
        form_fields(page, ["q"])  # a GET form is not what a POST check submits


def test_load_figures_count_errors_by_phase_and_time_to_recover():
    from tests.stack.load import Load

    load = Load.__new__(Load)
    # (ended, ok, seconds taken): an error at 2.0, one at 2.5, a request held up to 4.0.
    load.events = [(0.5, True, 0.1), (1.0, True, 0.1), (2.0, False, 0.1), (2.5, False, 0.1)]
    load.events += [(3.0, True, 0.1), (4.0, True, 3.0), (4.5, True, 0.1)]
    assert load.between(0, 2) == (2, 0)
    assert load.between(2, 10) == (5, 2)
    assert load.recovered_after(1.5) == pytest.approx(2.5)  # the stalled request ended at 4.0
    assert load.recovered_after(4.2) == 0.0  # nothing failed or stalled after 4.2
    load.events.append((5.0, False, 0.1))
    assert load.recovered_after(1.5) == float("inf")  # nothing succeeded after the last error


def test_smtp_stand_in_counts_what_it_accepted_not_what_the_sender_dropped():
    import smtplib

    from tests.stack.services import HOST, SMTPStandIn, free_port

    smtp = SMTPStandIn(free_port(), hold=1.0).start()
    try:
        smtp.slow_to = "slow@example.net"
        # The sender hangs up while the stand-in holds its answer: not delivered.
        client = smtplib.SMTP(HOST, smtp.controller.port, timeout=5)
        client.ehlo()
        client.mail("a@example.org")
        client.rcpt("slow@example.net")
        client.putcmd("data")
        assert client.getreply()[0] == 354
        client.send(b"Message-ID: <1@t>\r\n\r\nbody\r\n.\r\n")
        assert smtp.arrived.wait(5)
        client.close()
        deadline = time.monotonic() + 5
        while not smtp.aborted and time.monotonic() < deadline:
            time.sleep(0.05)
        for _ in range(2):  # the same message twice: two deliveries, one Message-ID
            with smtplib.SMTP(HOST, smtp.controller.port, timeout=5) as client:
                client.sendmail("a@example.org", ["Slow@example.net"], "Message-ID: <1@t>\r\n\r\nx")
        assert smtp.aborted == 1
        assert smtp.count("slow@example.net") == (2, 1)
        assert smtp.count("other@example.net") == (0, 0)
    finally:
        smtp.stop()


def test_the_image_installs_every_program_the_processes_run(procfile):
    """The image installs requirements.txt only: each command's program must be pinned there."""
    pinned = {
        line.split("==")[0].split("[")[0].strip().lower()
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    }
    programs = {shlex.split(command)[0] for command in procfile.values()} - {"python"}
    assert programs == {"gunicorn", "celery"}
    assert programs <= pinned, f"not in requirements.txt: {sorted(programs - pinned)}"
