"""Compiled CPU kernels (numba) for the row-wise trainer in :mod:`cf.rowwise`.

One training step of the dot-product models touches two embedding rows per rating. On a
CPU the time goes into fetching those rows from memory, so the kernels fuse the work that
a chain of torch operations would spread over many passes:

* :func:`gradients`: one pass over the batch computes each prediction and adds the
  gradient of its user and movie rows into compact per-batch buffers;
* :func:`adam_rows`: one pass over the rows the batch used applies Adam to them (lazy
  Adam: rows the batch did not use keep their values and moments);
* :func:`shuffle_into`: a uniform random permutation of the ratings that stays in cache
  (random buckets, then a shuffle inside each bucket).

Rows are visited in increasing order and fetched a few iterations ahead
(:func:`prefetch_row`). Every kernel releases the GIL. Results do not depend on thread
scheduling: each chunk of a batch has its own buffer and chunks are summed in order.
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic

AHEAD = 6
"""How many iterations ahead rows are prefetched."""
BUCKET_ROWS = 65536
"""Ratings per bucket of the shuffle (three arrays of this length fit in a core's cache)."""


def _prefetcher(n_bytes: int):
    """An intrinsic ``f(array, row)`` asking the CPU to start loading ``n_bytes`` from ``array[row]``.

    A hint only: it never faults, even past the end of the array.
    """

    @intrinsic
    def prefetch(typingctx, array, row):
        def codegen(context, builder, signature, args):
            array_type, row_type = signature.args
            view = context.make_array(array_type)(context, builder, args[0])
            zero = context.get_constant(types.intp, 0)
            index = context.cast(builder, args[1], row_type, types.intp)
            indices = [index] + [zero] * (array_type.ndim - 1)
            pointer = cgutils.get_item_pointer(context, builder, array_type, view, indices, wraparound=False)
            byte_pointer = ir.IntType(8).as_pointer()
            i32 = ir.IntType(32)
            hint_type = ir.FunctionType(ir.VoidType(), [byte_pointer, i32, i32, i32])
            hint = cgutils.get_or_insert_function(builder.module, hint_type, "llvm.prefetch.p0i8")
            base = builder.bitcast(pointer, byte_pointer)
            for offset in range(0, n_bytes, 64):
                line = builder.gep(base, [context.get_constant(types.intp, offset)])
                builder.call(hint, [line, ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
            return context.get_dummy_value()

        return types.void(array, row), codegen

    return prefetch


prefetch_line = _prefetcher(64)
"""Prefetch one cache line (a bias and its moments)."""
prefetch_row = _prefetcher(256)
"""Prefetch 256 bytes: a row of up to 64 factors."""
prefetch_moments = _prefetcher(512)
"""Prefetch 512 bytes: both Adam moments of a row of up to 64 factors."""


@njit(nogil=True, cache=True)
def _next_random(state):  # pragma: no cover - compiled
    """splitmix64: advance ``state[0]`` and return 64 random bits (as a uint64)."""
    state[0] += np.uint64(0x9E3779B97F4A7C15)
    z = state[0]
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@njit(nogil=True, cache=True)
def shuffle_into(users, items, ratings, out_users, out_items, out_ratings, seed):  # pragma: no cover - compiled
    """Write a uniformly shuffled copy of the three arrays into the ``out_`` arrays.

    Each rating goes to a random bucket (at most 256, each small enough for the cache),
    then each bucket is shuffled (Fisher-Yates): together a uniform permutation.
    """
    state = np.array([seed], np.uint64)
    n = len(users)
    n_buckets = min(256, max(1, n // BUCKET_ROWS))
    bucket = np.empty(n, np.uint8)
    starts = np.zeros(n_buckets + 1, np.int64)
    for j in range(n):
        b = (_next_random(state) >> np.uint64(32)) * np.uint64(n_buckets) >> np.uint64(32)
        bucket[j] = b
        starts[b + 1] += 1
    for b in range(n_buckets):
        starts[b + 1] += starts[b]
    fill = starts[:-1].copy()
    for j in range(n):
        b = bucket[j]
        at = fill[b]
        out_users[at], out_items[at], out_ratings[at] = users[j], items[j], ratings[j]
        fill[b] = at + 1
    for b in range(n_buckets):
        start = starts[b]
        for j in range(starts[b + 1] - 1, start, -1):
            k = start + np.int64((_next_random(state) >> np.uint64(32)) * np.uint64(j - start + 1) >> np.uint64(32))
            out_users[j], out_users[k] = out_users[k], out_users[j]
            out_items[j], out_items[k] = out_items[k], out_items[j]
            out_ratings[j], out_ratings[k] = out_ratings[k], out_ratings[j]


@njit(nogil=True, cache=True)
def assign_slots(index, slot, rows):  # pragma: no cover - compiled
    """Give each distinct row in ``index`` a slot, in increasing row order.

    ``slot`` (one entry per table row, -1 for unused) is filled in; ``rows[:n]`` receives
    the distinct rows sorted. Returns ``n`` and the slot of each entry of ``index``.
    """
    for j in range(len(index)):
        slot[index[j]] = -2
    n = 0
    if len(slot) <= 8 * len(index):  # dense batch: one scan of the table's marks
        for r in range(len(slot)):
            if slot[r] == -2:
                rows[n] = r
                n += 1
    else:
        for j in range(len(index)):
            r = index[j]
            if slot[r] == -2:
                slot[r] = -3
                rows[n] = r
                n += 1
        rows[:n].sort()
    for t in range(n):
        slot[rows[t]] = t
    slots = np.empty(len(index), np.int32)
    for j in range(len(index)):
        slots[j] = slot[index[j]]
    return n, slots


@njit(nogil=True, parallel=True, fastmath=True, cache=True)
def gradients(
    user_factors,
    item_factors,
    user_bias,
    item_bias,
    offset,
    users,
    items,
    ratings,
    user_slots,
    item_slots,
    low,
    high,
    squash,
    scale,
    decay,
    user_grad,
    item_grad,
):  # pragma: no cover - compiled
    """Add each rating's gradient to its rows' slots; returns (sum of squared errors, offset gradient).

    ``user_grad`` and ``item_grad`` are (chunks, slots, factors + 1): one buffer per chunk
    of the batch; the last column holds the bias gradient. ``squash`` selects the
    dot-bias model (biases, offset and a sigmoid onto ``(low, high)``); otherwise the plain
    dot product. ``scale`` is 1 / batch size; ``decay`` is 2 * weight decay / batch size.
    """
    n, k = len(users), user_factors.shape[1]
    chunks = user_grad.shape[0]
    size = (n + chunks - 1) // chunks
    squared = np.zeros(chunks)
    offset_grad = np.zeros(chunks)
    for c in prange(chunks):
        end = min(n, (c + 1) * size)
        for j in range(c * size, end):
            if j + AHEAD < end:
                prefetch_row(user_factors, users[j + AHEAD])
                prefetch_row(item_factors, items[j + AHEAD])
                prefetch_row(user_grad[c], user_slots[j + AHEAD])
                prefetch_row(item_grad[c], item_slots[j + AHEAD])
                if squash:
                    prefetch_line(user_bias, users[j + AHEAD])
                    prefetch_line(item_bias, items[j + AHEAD])
            u, i = users[j], items[j]
            raw = 0.0
            for f in range(k):
                raw += user_factors[u, f] * item_factors[i, f]
            if squash:
                s = 1.0 / (1.0 + math.exp(-(raw + user_bias[u, 0] + item_bias[i, 0] + offset)))
                error = s * (high - low) + low - ratings[j]
                d = 2.0 * error * s * (1.0 - s) * (high - low) * scale
            else:
                error = raw - ratings[j]
                d = 2.0 * error * scale
            squared[c] += error * error
            offset_grad[c] += d
            ug, ig = user_grad[c, user_slots[j]], item_grad[c, item_slots[j]]
            for f in range(k):
                uf, itf = user_factors[u, f], item_factors[i, f]
                ug[f] += d * itf + decay * uf
                ig[f] += d * uf + decay * itf
            ug[k] += d
            ig[k] += d
    return squared.sum(), offset_grad.sum()


@njit(nogil=True, parallel=True, fastmath=True, cache=True)
def adam_rows(
    factors, moments, bias, bias_moments, grad, slot, rows, n, step_size, beta1, beta2, correction2, eps, with_bias
):  # pragma: no cover - compiled
    """Adam on the ``n`` rows a batch used (``rows[:n]``, slot t for ``rows[t]``).

    ``moments[r, 0]`` and ``moments[r, 1]`` are the first and second moments of row r
    (``bias_moments[r]`` those of its bias). Sums the chunks of ``grad``, then clears
    ``grad`` and ``slot`` for the next batch. The update is torch's Adam:
    ``p -= step_size * m / (sqrt(v) / correction2 + eps)``.
    """
    k = factors.shape[1]
    chunks = grad.shape[0]
    for t in prange(n):
        if t + AHEAD < n:
            ahead = rows[t + AHEAD]
            prefetch_moments(moments, ahead)
            prefetch_row(factors, ahead)
            if with_bias:
                prefetch_line(bias, ahead)
                prefetch_line(bias_moments, ahead)
        r = rows[t]
        slot[r] = -1
        g = grad[0, t]
        for c in range(1, chunks):
            other = grad[c, t]
            for f in range(k + 1):
                g[f] += other[f]
                other[f] = 0.0
        m, v, p = moments[r, 0], moments[r, 1], factors[r]
        for f in range(k):
            m[f] = beta1 * m[f] + (1.0 - beta1) * g[f]
            v[f] = beta2 * v[f] + (1.0 - beta2) * g[f] * g[f]
            p[f] -= step_size * m[f] / (math.sqrt(v[f]) / correction2 + eps)
        if with_bias:
            gb = g[k]
            bias_moments[r, 0] = beta1 * bias_moments[r, 0] + (1.0 - beta1) * gb
            bias_moments[r, 1] = beta2 * bias_moments[r, 1] + (1.0 - beta2) * gb * gb
            bias[r, 0] -= step_size * bias_moments[r, 0] / (math.sqrt(bias_moments[r, 1]) / correction2 + eps)
        for f in range(k + 1):
            g[f] = 0.0
