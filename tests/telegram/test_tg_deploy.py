"""deploy/: what can be checked without a Docker engine or a systemd to run under."""

from __future__ import annotations

import contextlib
import io
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import Settings, load_settings
from tests.telegram.conftest import ROOT

DEPLOY = ROOT / "deploy"


def unit_file() -> dict[str, dict[str, list[str]]]:
    """deploy/newsbot.service as {section: {key: [values, in order]}} (keys may repeat)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for raw in (DEPLOY / "newsbot.service").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of deploy/Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text())
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            instruction, _, rest = line.partition(" ")
            found.append((instruction.upper(), rest.strip()))
    return found


def newsbot_subcommands(command: str) -> list[str]:
    """The subcommands of every `newsbot …` invocation in a shell command or exec-form list."""
    if command.startswith("["):
        commands = [[w.strip(' "') for w in command.strip("[]").split(",")]]
    else:
        commands = [[]]
        lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
        for word in lexer:
            if word in ("&&", "||", ";", "|", "&"):
                commands.append([])
            else:
                commands[-1].append(word)
    return [words[1] for words in commands if len(words) > 1 and Path(words[0]).name == "newsbot"]


def assert_cli_has(subcommand: str) -> None:
    from bot.cli import build_parser

    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as done:
        build_parser().parse_args([subcommand, "--help"])
    assert done.value.code == 0, f"`newsbot {subcommand}` is not a CLI subcommand"


# ------------------------------------------------------------------------------------- systemd


def test_unit_runs_the_bot_sandboxed_with_an_environment_file() -> None:
    unit = unit_file()
    service = unit["Service"]
    one = {key: values[-1] for key, values in service.items()}
    assert one["ExecStart"].endswith("newsbot telegram")
    assert one["EnvironmentFile"] == "/etc/newsbot/newsbot.env"
    assert one["Restart"] == "on-failure"
    assert one["KillSignal"] == "SIGTERM"
    assert one["DynamicUser"] == "yes" or one.get("User") not in (None, "root")
    expected = {
        "NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
        "PrivateDevices": "yes", "ProtectKernelTunables": "yes", "ProtectKernelModules": "yes",
        "ProtectControlGroups": "yes", "RestrictNamespaces": "yes", "RestrictSUIDSGID": "yes",
        "LockPersonality": "yes", "CapabilityBoundingSet": "", "SystemCallArchitectures": "native",
    }
    assert {key: one.get(key) for key in expected} == expected
    assert "@system-service" in service["SystemCallFilter"]
    assert set(one["RestrictAddressFamilies"].split()) <= {"AF_UNIX", "AF_INET", "AF_INET6", "AF_NETLINK"}
    assert "/var/cache/newsbot" in " ".join(service["Environment"])
    assert one["CacheDirectory"] == "newsbot", "the only writable place under ProtectSystem=strict"
    assert unit["Install"]["WantedBy"] == ["multi-user.target"]
    assert "network-online.target" in unit["Unit"]["After"][0]
    for line in service["ExecStartPre"] + service["ExecStart"]:
        for sub in newsbot_subcommands(line):
            assert_cli_has(sub)


def _unit_with_real_binary(tmp_path: Path) -> Path:
    """The unit with the venv's newsbot replaced by an existing executable (verify checks it)."""
    text = (DEPLOY / "newsbot.service").read_text().replace("/opt/newsbot/venv/bin/newsbot", sys.executable)
    copy = tmp_path / "newsbot.service"
    copy.write_text(text)
    return copy


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_analyze_verify(tmp_path: Path) -> None:
    result = subprocess.run(["systemd-analyze", "verify", str(_unit_with_real_binary(tmp_path))],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "newsbot.service" not in result.stderr, result.stderr  # no warnings about our unit


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_analyze_security_rates_the_unit_ok(tmp_path: Path) -> None:
    result = subprocess.run(["systemd-analyze", "security", "--offline=true", "--no-pager",
                             str(_unit_with_real_binary(tmp_path))], capture_output=True, text=True, timeout=60)
    if result.returncode != 0 and "offline" in result.stderr:
        pytest.skip("this systemd-analyze has no --offline")
    match = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", result.stdout)
    assert match, result.stdout[-500:] + result.stderr
    assert float(match.group(1)) <= 2.0, "exposure above 2.0 (\"OK\" ends at 3.9, we aim lower)"


# -------------------------------------------------------------------------------------- Docker


def test_dockerfile_builds_a_non_root_image_with_the_index() -> None:
    steps = dockerfile()
    instructions = [name for name, _ in steps]
    assert steps[0] == ("FROM", "python:3.11-slim")
    runs = [args for name, args in steps if name == "RUN"]
    assert any(re.search(r"\bpip install \.(\s|$)", run) for run in runs)
    users = [args for name, args in steps if name == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert instructions.index("USER") < instructions.index("CMD")
    index_run = next(i for i, (name, args) in enumerate(steps) if name == "RUN" and "newsbot index" in args)
    assert instructions.index("USER") < index_run, "the index is built as the user that reads it"
    healthcheck = next(args for name, args in steps if name == "HEALTHCHECK")
    assert "CMD" in healthcheck and newsbot_subcommands(healthcheck.split("CMD", 1)[1].strip()) == ["check"]
    cmd = next(args for name, args in steps if name == "CMD")
    assert newsbot_subcommands(cmd) == ["telegram"]
    env = " ".join(args for name, args in steps if name == "ENV")
    assert "NEWSBOT_CORPUS=/app/corpus" in env and "NEWSBOT_CACHE_DIR=/app/cache" in env


def test_every_newsbot_command_the_image_runs_exists() -> None:
    subs = []
    for name, args in dockerfile():
        if name in ("RUN", "CMD", "HEALTHCHECK"):
            subs += newsbot_subcommands(args.split("CMD", 1)[1].strip() if name == "HEALTHCHECK" else args)
    assert sorted(set(subs)) == ["check", "index", "telegram"]
    for sub in set(subs):
        assert_cli_has(sub)


def test_docker_context_holds_what_the_dockerfile_copies() -> None:
    copies = [args.split()[:-1] for name, args in dockerfile() if name == "COPY"]
    sources = [src for args in copies for src in args if not src.startswith("--")]
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    assert set(sources) <= allowed, "the .dockerignore allow-list must let every COPY source in"
    missing = [src for src in sources if not (ROOT / src).exists()]
    assert set(missing) <= {"README.md"}, missing  # README.md is the lead's; pyproject needs it
    assert "**/.env" in ignore, "secrets never go into the build context"


def test_compose_file() -> None:
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    service = compose["services"]["newsbot"]
    assert service["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
    assert service["env_file"] == ["newsbot.env"]
    assert service["read_only"] is True and service["cap_drop"] == ["ALL"]
    assert "no-new-privileges:true" in service["security_opt"]
    assert service["restart"] == "unless-stopped" and service["stop_signal"] == "SIGTERM"
    # the read-only container keeps conversations and feedback on a volume, where the image puts them
    env = " ".join(args for name, args in dockerfile() if name == "ENV")
    state = re.search(r"NEWSBOT_STATE_PATH=(\S+)", env)
    assert state is not None
    state_dir = state.group(1).rsplit("/", 1)[0]
    assert f"newsbot-state:{state_dir}" in service["volumes"] and "newsbot-state" in compose["volumes"]
    assert ("VOLUME", state_dir) in dockerfile()


# ----------------------------------------------------------------------------------- env file


def test_env_example_documents_every_setting_and_loads() -> None:
    example = DEPLOY / "newsbot.env.example"
    names = set(re.findall(r"^#?(NEWSBOT_[A-Z_]+)=", example.read_text(), flags=re.MULTILINE))
    fields = {f"NEWSBOT_{name.upper()}" for name in Settings.model_fields}
    assert names == fields
    settings = load_settings(_env_file=str(example))
    assert settings.telegram_token is None and settings.telegram_mode == "polling"
