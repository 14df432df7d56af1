"""Two processes under torchrun (gloo on the CPU) reach the quality of one."""

import json
import socket
import subprocess
import sys

import pytest

from cf.cli import main


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_two_processes_match_one(tmp_path, capsys, demo_split_dir):
    train, test = demo_split_dir / "train.csv", demo_split_dir / "test.csv"
    common = ["train", "--ratings", str(train), "--test", str(test), "--epochs", "4", "--json", "--quiet"]
    assert main(common) == 0
    single = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    model = tmp_path / "ddp.pt"
    launcher = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_addr", "127.0.0.1"]
    run = subprocess.run(
        [*launcher, "--master_port", str(_free_port()), "-m", "cf", *common, "--out", str(model)],
        capture_output=True, text=True, timeout=280,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    lines = [line for line in run.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 1  # only the first process reports
    double = json.loads(lines[0])
    assert double["processes"] == 2 and double["n_test"] == single["n_test"]
    assert abs(double["rmse"] - single["rmse"]) < 0.01
    assert double["rmse"] < double["baseline_rmse"]
    assert main(["recommend", "--model", str(model), "--user", "1", "-n", "3"]) == 0
