"""The README's walkthrough as a test runs it: its marked shell blocks, in order, in one bash session.

A block belongs to the walkthrough when its fence's info string is `bash walkthrough` (GitHub highlights it as
bash and ignores the second word); other tags (`bash walkthrough-aws-cli`) mark blocks run on their own. The
session runs as a person pasting the blocks would, with two differences that only make failures visible:
`set -eu` (a failing command, or a variable no earlier command set, ends the session in the block that holds
it) and a `curl` wrapper that reports each response's HTTP status on stderr (`curl -s` exits 0 on a 4xx or 5xx,
so a broken call would otherwise pass).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

MARK = "@@readme-walkthrough@@"
_HTTP = re.compile(rf"^{re.escape(MARK)} http (\d{{3}})$", re.MULTILINE)
_BLOCK = re.compile(rf"^{re.escape(MARK)} block (\d+)$", re.MULTILINE)
_SCRIPT_LINE = re.compile(r"\S*\.walkthrough\.sh: line (\d+)")
_FENCE = re.compile(r"^(`{3,}|~{3,})\s*(.*)$")


@dataclass(frozen=True)
class Block:
    line: int  # 1-based line of the opening fence in README.md; 0 for a block of the test's own
    info: str
    text: str

    def where(self) -> str:
        return f"README.md line {self.line} ({self.info})" if self.line else self.info


def shell_blocks(markdown: str, tag: str) -> list[Block]:
    """The fenced blocks whose info string is `bash <tag>` (or `sh <tag>`), in the order they appear."""
    blocks: list[Block] = []
    lines = markdown.splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        fence, info = opening.group(1), opening.group(2).strip()
        end = index + 1
        while end < len(lines) and not (
            lines[end].strip().startswith(fence[0] * len(fence)) and not lines[end].strip().strip(fence[0])
        ):
            end += 1
        words = info.split()
        if len(words) >= 2 and words[0] in ("bash", "sh") and tag in words[1:]:
            blocks.append(Block(index + 1, info, "\n".join(lines[index + 1 : end])))
        index = end + 1
    return blocks


@dataclass
class BlockRun:
    block: Block
    output: str
    http_statuses: list[int] = field(default_factory=list)

    def unexpected_statuses(self) -> list[int]:
        """Statuses the block does not announce: any 5xx or failed connection (000), and a 4xx unless the
        block's text names that code (the README says e.g. `# 409: it has finished`)."""
        return [
            status
            for status in self.http_statuses
            if status == 0 or status >= 500 or (status >= 400 and not re.search(rf"\b{status}\b", self.block.text))
        ]


@dataclass
class Session:
    returncode: int | None  # None: it was still running at the timeout (and was killed)
    runs: list[BlockRun]  # the blocks that started, in order, each with its output
    finished: bool  # every block ran to its end
    blocks: list[Block]  # all of the session's blocks

    def failure(self) -> str | None:
        """Why the walkthrough failed, naming the block and showing its text and output; None when it passed."""
        for number, run in enumerate(self.runs, 1):
            unexpected = run.unexpected_statuses()
            if unexpected:
                reason = f"HTTP {', '.join(map(str, unexpected))} not announced by the block"
                return _report(number, run, reason, self.blocks)
        if self.finished and self.returncode == 0:
            return None
        if not self.runs:
            return f"the session ended before its first block (exit {self.returncode})"
        reason = "timed out" if self.returncode is None else f"exit {self.returncode}"
        return _report(len(self.runs), self.runs[-1], reason, self.blocks)


def _report(number: int, run: BlockRun, reason: str, blocks: list[Block]) -> str:
    output = run.output if len(run.output) <= 8000 else "...\n" + run.output[-8000:]
    output = _SCRIPT_LINE.sub(lambda match: f"README.md line {readme_line(blocks, int(match.group(1)))}", output)
    return (
        f"walkthrough block {number}, {run.block.where()}: {reason}\n"
        f"--- the block ---\n{run.block.text}\n--- its output ---\n{output}"
    )


PREAMBLE = [
    "exec 2>&1",
    "set -eu",
    f"curl() {{ command curl -w '%{{stderr}}\\n{MARK} http %{{http_code}}\\n' \"$@\"; }}",
]


def script(blocks: list[Block]) -> str:
    """One bash script: the blocks in order, each announced by a marker line, stdout and stderr interleaved."""
    parts = list(PREAMBLE)
    for number, block in enumerate(blocks, 1):
        parts += [f"printf '\\n{MARK} block {number}\\n'", block.text]
    parts.append(f"printf '\\n{MARK} block end\\n'")
    return "\n".join(parts) + "\n"


def readme_line(blocks: list[Block], script_line: int) -> int | None:
    """The README.md line of a line of `script(blocks)` (bash names script lines in its errors)."""
    start = len(PREAMBLE) + 2  # the first block's first line: after the preamble and its marker line
    for block in blocks:
        length = block.text.count("\n") + 1
        if start <= script_line < start + length:
            return block.line + 1 + script_line - start
        start += length + 1
    return None


def run_session(blocks: list[Block], cwd: Path, env: dict[str, str], timeout: float) -> Session:
    """Run the blocks in one bash session (its own process group, killed whole at the timeout)."""
    path = cwd / ".walkthrough.sh"
    path.write_text(script(blocks))
    process = subprocess.Popen(  # noqa: S603 (bash running the README's own blocks)
        ["bash", str(path)],  # noqa: S607
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=timeout)
        returncode: int | None = process.returncode
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        returncode = None
    return parse(blocks, output.decode(errors="replace"), returncode)


def parse(blocks: list[Block], output: str, returncode: int | None) -> Session:
    """Split a session's output at the block markers."""
    runs: list[BlockRun] = []
    finished = False
    marks = list(_BLOCK.finditer(output)) + list(re.finditer(rf"^{re.escape(MARK)} block end$", output, re.M))
    marks.sort(key=lambda match: match.start())
    for here, after in zip(marks, [*marks[1:], None], strict=True):
        if here.group(0).endswith(" end"):
            finished = True
            break
        text = output[here.end() : after.start() if after else len(output)].strip("\n")
        statuses = [int(status) for status in _HTTP.findall(text)]
        runs.append(BlockRun(blocks[int(here.group(1)) - 1], text, statuses))
    return Session(returncode, runs, finished, blocks)


def checkout_for(repo: Path, directory: Path, outputs: str) -> Path:
    """A checkout the README's commands can run in as written: every top-level entry of `repo` linked in,
    and `.local/outputs.json` (the file `make local` writes and the README's commands read) naming the test's
    stack. The repository's own `.local/` (a running `make local` may own it) is left alone, and the files
    the walkthrough writes (my-workflow.yaml) land here, not in the repository."""
    directory.mkdir(parents=True)
    for entry in repo.iterdir():
        if entry.name not in (".local", ".git"):
            (directory / entry.name).symlink_to(entry)
    (directory / ".local").mkdir()
    (directory / ".local" / "outputs.json").write_text(outputs)
    return directory


def session_env(config: Path) -> dict[str, str]:
    """The environment of a newcomer's shell: no PYTHONPATH, no virtualenv or `wfe` on PATH, no AWS settings
    (the README's blocks set what they need); the `wfe` tokens and AWS CLI files in `config`."""
    path = [
        directory
        for directory in os.environ.get("PATH", "/usr/bin:/bin").split(os.pathsep)
        if directory and not (Path(directory) / "wfe").exists()
    ]
    dropped = {"PYTHONPATH", "VIRTUAL_ENV", "OUTPUTS_FILE", "WFE_OUTPUTS", "E2E_OUTPUTS_FILE", "TOKEN", "API"}
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in dropped and not (name.startswith("AWS_") and name != "AWS_CA_BUNDLE")
    }
    env.update(
        PATH=os.pathsep.join(path),
        WFE_CONFIG_DIR=str(config / "wfe"),
        AWS_CONFIG_FILE=str(config / "aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(config / "aws-credentials"),
        COLUMNS="80",
        TERM="dumb",
    )
    return env
