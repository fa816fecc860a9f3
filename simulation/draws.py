"""Random draws: one stream per kind of event, counter-based so that policies share draws.

Every replication gets its own :class:`numpy.random.SeedSequence` child
(``SeedSequence(seed).spawn(R)``), and each kind of event (traits, self-cure, reach,
engagement, ...) its own grandchild stream. From each stream a 64-bit key is drawn with
an :class:`numpy.random.Generator`; a draw is then a pure function of
``(key, debtor id, day, channel)``:

    u = mix(mix(id*C1 ^ key) ^ day*C2 ^ (channel+1)*C3) / 2**64     (mix: splitmix64's finaliser)

This is the counter-based idea of Random123 (Salmon et al. 2011) with the splitmix64
finaliser (Steele et al. 2014). It makes common random numbers exact: the same debtor on
the same day and channel sees the same uniform under every policy, whatever else happened
to the rest of the portfolio, and the per-debtor reference model sees the same draws as
the vectorised engine.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

__all__ = ["KINDS", "Streams", "uniform", "normal", "replication_streams", "id_hash", "uniform_hashed"]

#: The kinds of random event, each with its own stream.
KINDS: tuple[str, ...] = ("lump", "monthly", "cure", "offer", "reach", "optout", "engage",
                          "accept", "pay", "agency", "redelinquency")

_C1 = np.uint64(0x9E3779B97F4A7C15)
_C2 = np.uint64(0xD1B54A32D192ED03)
_C3 = np.uint64(0x8CB92BA72F3D8DD7)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_SCALE = 2.0 ** -53


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser, in place on ``x`` (uint64), which it returns."""
    x ^= x >> _S30
    x *= _M1
    x ^= x >> _S27
    x *= _M2
    x ^= x >> _S31
    return x


def id_hash(key: np.uint64 | int, ids: np.ndarray) -> np.ndarray:
    """``mix(id*C1 ^ key)``: the part of a draw that depends on the stream and the debtor only.

    An engine that draws from the same stream for the same debtors on many days keeps
    these (one uint64 per debtor) and calls :func:`uniform_hashed`.
    """
    with np.errstate(over="ignore"):
        x = np.array(ids, dtype=np.uint64)  # a copy: mixed in place below
        x *= _C1
        x ^= np.uint64(key)
        return _mix(x)


_C2_INT, _C3_INT, _MASK64 = int(_C2), int(_C3), (1 << 64) - 1


def uniform_hashed(h: np.ndarray, day: int | np.ndarray = 0, channel: int | np.ndarray = 0,
                   consume: bool = False) -> np.ndarray:
    """:func:`uniform` from the :func:`id_hash` of the ids.

    ``h`` is left as it is, unless ``consume`` says it is a scratch copy (e.g. ``hash[rows]``)
    that may be mixed in place.
    """
    if isinstance(day, (int, np.integer)) and isinstance(channel, (int, np.integer)):
        # one day and channel (the engine's every draw): their part of the mix in Python's exact
        # integers, the same 64 bits as in uint64 arithmetic, without numpy's scalar overflow checks
        salt = np.uint64(((int(day) * _C2_INT) ^ ((int(channel) + 1) * _C3_INT)) & _MASK64)
        if consume and isinstance(h, np.ndarray) and h.ndim:
            h ^= salt
            x = h
        else:
            x = np.bitwise_xor(h, salt, dtype=np.uint64)
    else:
        with np.errstate(over="ignore"):
            x = h ^ (np.asarray(day, dtype=np.uint64) * _C2
                     ^ (np.asarray(channel, dtype=np.uint64) + np.uint64(1)) * _C3)
    scalar = not isinstance(x, np.ndarray) or not x.ndim
    x = _mix(np.array(x, dtype=np.uint64, ndmin=1) if scalar else x)
    x >>= _S11
    u = x.astype(np.float64)
    u *= _SCALE
    return u[0] if scalar else u


def uniform(key: np.uint64 | int, ids: np.ndarray, day: int | np.ndarray = 0,
            channel: int | np.ndarray = 0) -> np.ndarray:
    """Uniform(0, 1) draws, one per id, as a pure function of (key, id, day, channel).

    Parameters
    ----------
    key : uint64
        The stream key of one kind of event in one replication (:class:`Streams`).
    ids : ndarray of int
        Debtor random ids (copies of one debtor share an id, and so their draws).
    day, channel : int or ndarray
        The day and channel of the event (broadcast against ``ids``).

    Returns
    -------
    ndarray of float64 in [0, 1)
    """
    return uniform_hashed(id_hash(key, ids), day, channel, consume=True)


def normal(key: np.uint64 | int, ids: np.ndarray, day: int = 0) -> np.ndarray:
    """Standard normal draws by inversion of :func:`uniform`."""
    u = uniform(key, ids, day)
    return ndtri(np.clip(u, 1e-300, None) + 0.5 * _SCALE)


@dataclass(frozen=True)
class Streams:
    """The keys of one replication, one per kind of event (:data:`KINDS`)."""

    keys: dict[str, np.uint64]

    @classmethod
    def from_seed_sequence(cls, seq: np.random.SeedSequence) -> "Streams":
        """Spawn one child stream per kind and draw its key with a Generator."""
        children = seq.spawn(len(KINDS))
        keys = {k: np.uint64(np.random.Generator(np.random.PCG64(c)).integers(0, 2**64, dtype=np.uint64))
                for k, c in zip(KINDS, children)}
        return cls(keys)

    def __getitem__(self, kind: str) -> np.uint64:
        return self.keys[kind]


def replication_streams(seed: int | np.random.SeedSequence, replications: int) -> list[Streams]:
    """Independent :class:`Streams` for each replication, from ``SeedSequence(seed).spawn``.

    ``seed`` may be a :class:`numpy.random.SeedSequence` (a child spawned for one stage of
    a job, e.g. the optimizer's out-of-sample check); it is not consumed.
    """
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    fresh = np.random.SeedSequence(root.entropy, spawn_key=root.spawn_key, pool_size=root.pool_size)
    return [Streams.from_seed_sequence(s) for s in fresh.spawn(replications)]
