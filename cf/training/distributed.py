"""Training across processes with DistributedDataParallel (``torchrun``); a no-op otherwise.

Under ``torchrun`` every process reads the ratings, builds the same id maps and bias
baseline, and trains on its own share of the rows; DDP averages the gradients after each
step, so the processes keep one model. gloo carries the gradients between CPUs, NCCL
between GPUs. Without ``torchrun`` each function here does the single-process thing.
"""

from __future__ import annotations

import os

import torch
import torch.distributed as dist


def active() -> bool:
    """True inside an initialised process group of more than one process."""
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def rank() -> int:
    return dist.get_rank() if active() else 0


def world_size() -> int:
    return dist.get_world_size() if active() else 1


def init_from_env() -> str | None:
    """Join the process group that ``torchrun`` describes in the environment.

    Returns the device for this process (``cuda:<local rank>`` with NCCL when GPUs are
    present, else ``cpu`` with gloo), or None when not launched by ``torchrun``.
    """
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1 or not dist.is_available():
        return None
    from cf.placement import torchrun_device

    device = torchrun_device(int(os.environ.get("LOCAL_RANK", "0")))
    if device.startswith("cuda"):
        torch.cuda.set_device(torch.device(device))
        dist.init_process_group("nccl")
    else:
        dist.init_process_group("gloo")
    return device


def shutdown() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def shard_rows(n: int, seed: int) -> torch.Tensor:
    """The row numbers this process trains on: a seeded, balanced share of ``0..n-1``."""
    if not active():
        return torch.arange(n)
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return order[rank() :: world_size()].sort().values


def agree_on_steps(local_steps: int, device: torch.device) -> int:
    """Steps per epoch that every process can take (the smallest share sets it)."""
    if not active():
        return local_steps
    steps = torch.tensor([local_steps], device=device)
    dist.all_reduce(steps, op=dist.ReduceOp.MIN)
    return int(steps.item())


def wrap(model: torch.nn.Module, device: torch.device) -> torch.nn.Module:
    """The module to call in training steps: DDP around ``model`` when distributed."""
    if not active():
        return model
    ids = [device.index] if device.type == "cuda" else None
    return torch.nn.parallel.DistributedDataParallel(model, device_ids=ids)


def mean_over_ranks(total: torch.Tensor, count: int) -> float:
    """``total / count`` summed over every process."""
    if not active():
        return float(total) / max(count, 1)
    both = torch.stack([total.detach().double(), torch.tensor(float(count), device=total.device).double()])
    dist.all_reduce(both)
    return float(both[0] / both[1])
