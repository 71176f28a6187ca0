"""The README's commands and examples, run as a reader copies them; the CI examples run the README's deploy command."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys

import pytest
import yaml

from contracts import exits
from contracts.config import Credentials
from contracts.server import ReferenceApp

from .staging import OVERCAP_TOKEN, StagingApp
from .support import GATE_ENV_VARS, REPO, TOKEN, gate_arguments

README = (REPO / "README.md").read_text(encoding="utf-8")
DEPLOY_COMMAND = ".venv/bin/pytest --request-timeout 15 --scenarios=staging-scenarios.toml --require 200,401,400,402"
CI_EXAMPLES = ("docs/ci/github-actions-staging-gate.yml", "docs/ci/gitlab-ci-staging-gate.yml", "docs/ci/Jenkinsfile.staging-gate")


def section(title: str) -> str:
    """The README's text under a `##`/`###` heading `title`, to the next heading of that level or above (code blocks
    skipped: a `# comment` there is no heading)."""
    lines, level, in_code, found = [], 0, False, False
    for line in README.splitlines(keepends=True):
        in_code ^= line.startswith("```")
        heading = re.match(r"(#+) (.*)", line) if not in_code and not line.startswith("```") else None
        if found and heading and len(heading.group(1)) <= level:
            break
        if found:
            lines.append(line)
        elif heading and heading.group(2).strip() == title:
            found, level = True, len(heading.group(1))
    assert found, title
    return "".join(lines)


def blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", text, re.M | re.S)


def one_line(text: str) -> str:
    return " ".join(text.split())


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in GATE_ENV_VARS}
    return env | extra


@pytest.fixture(scope="module")
def client_example() -> str:
    (code,) = blocks(section("Typed client"), "python")
    return code


def run_example(code: str, url: str) -> subprocess.CompletedProcess:
    env = clean_env(ORGANIZATION_API_URL=url, CONTRACT_API_TOKEN=TOKEN)
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, cwd=REPO)


def test_the_client_example_prints_the_organization(client_example, reference_url):
    done = run_example(client_example, reference_url)
    assert (done.returncode, done.stdout, done.stderr) == (0, "2026-12-01 0:00:00\n", "")


def test_the_client_example_handles_an_error_status(client_example, serve):
    done = run_example(client_example, serve(ReferenceApp(Credentials.bearer("another-token-0123"))))
    assert done.returncode == 0 and done.stdout.startswith("401 ") and "NameError" not in done.stderr, done.stderr


def test_the_client_example_handles_no_answer(client_example):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]  # closed when the block ends: connections are refused
    done = run_example(client_example, f"http://127.0.0.1:{port}")
    assert done.returncode == 0 and done.stderr == "" and f"127.0.0.1:{port}" in done.stdout, done.stdout + done.stderr


def test_every_command_runs_without_activating_the_venv():
    bare = []
    for block in blocks(README, "sh"):
        for line in block.splitlines():
            command = re.sub(r"^(export \S+=\S+ )|^([A-Z_]+=\S+ )+", "", line.strip())
            if re.match(r"(python|pytest|pip|locust|organization-contracts)\b", command):
                bare.append(line)
    assert bare == []


def test_the_deploy_command_gates_a_staging_like_deployment(serve, tmp_path):
    """The README's full deploy command and its scenarios file, against a deployment that ignores Prefer."""
    assert DEPLOY_COMMAND in section("Gating a deployment")
    (scenarios,) = blocks(section("Gating a real staging"), "toml")
    (tmp_path / "staging-scenarios.toml").write_text(scenarios, encoding="utf-8")
    arguments = DEPLOY_COMMAND.replace("--scenarios=staging-scenarios.toml", f"--scenarios={tmp_path / 'staging-scenarios.toml'}").split()
    outputs = [a for a in gate_arguments(tmp_path / "out") if a.startswith(("--html", "--junitxml", "--summary-json"))]
    url = serve(StagingApp(Credentials.bearer(TOKEN)))
    env = clean_env(PYTEST_BASE_URL=url, CONTRACT_API_TOKEN=TOKEN, STAGING_OVERCAP_TOKEN=OVERCAP_TOKEN)
    done = subprocess.run(
        [str(REPO / arguments[0]), *arguments[1:], *outputs], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == exits.HONOURED, done.stdout + done.stderr
    assert "402 (required): verified, passed" in done.stdout and "400 (required): verified, passed" in done.stdout
    assert " 5 passed, 2 skipped in " in done.stdout  # 500 and 502 not provoked; the property tests not collected


@pytest.mark.parametrize("path", CI_EXAMPLES)
def test_each_ci_example_runs_the_deploy_command_publishes_junit_and_keeps_the_report(path):
    text = (REPO / path).read_text(encoding="utf-8")
    assert path in section("Gating a deployment")
    if path.endswith(".yml"):
        document = yaml.safe_load(text)
        flat = one_line(yaml.safe_dump(document, width=10_000))
    else:
        flat = one_line(text)
    assert DEPLOY_COMMAND in flat  # folded YAML scalars read as one line
    if "github" in path:
        steps = document["jobs"]["organization-contract"]["steps"]
        junit = [s for s in steps if "action-junit-report" in s.get("uses", "")]
        kept = [s for s in steps if "upload-artifact" in s.get("uses", "")]
        assert junit[0]["with"]["report_paths"] == "reports/junit.xml" and kept[0]["with"]["path"] == "reports/"
        assert junit[0]["if"] == kept[0]["if"] == "always()"
    elif "gitlab" in path:
        artifacts = document["organization-contract"]["artifacts"]
        assert artifacts["when"] == "always" and artifacts["reports"]["junit"].endswith("reports/junit.xml")
        assert any(p.endswith("reports/") for p in artifacts["paths"])
    else:
        always = text[text.index("post {") :]
        assert (
            "always {" in always
            and "junit testResults: 'reports/junit.xml'" in always
            and "archiveArtifacts artifacts: 'reports/**'" in always
        )


def test_the_exit_code_table_names_every_code():
    rows = set(re.findall(r"^\| (\d+) \|", section("Exit codes"), re.M))
    assert rows == {str(code) for code in exits.MEANINGS} | {"3"}
