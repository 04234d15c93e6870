"""Small deterministic DSP helpers shared by the voice and music code (numpy only)."""

from __future__ import annotations

import numpy as np

__all__ = ["resample_2x", "decimate_2x"]


def _half_band_taps(half_width: int = 32, cutoff: float = 0.46, beta: float = 8.6) -> tuple[np.ndarray, np.ndarray]:
    """Two polyphase branches of a Kaiser-windowed sinc low-pass for 2x interpolation.

    `cutoff` is in cycles per *input* sample (0.5 = input Nyquist). Each branch is normalised to
    unity DC gain so a constant stays constant.
    """
    d = np.arange(-half_width, half_width + 1, dtype=np.float64)
    branches = []
    for phase in (0.0, 0.5):
        t = phase - d  # output time minus input sample time, in input samples
        g = 2 * cutoff * np.sinc(2 * cutoff * t)
        # Kaiser window evaluated at the fractional position (stays > 0 at the ends)
        pos = (t / (half_width + 1.0)).clip(-1, 1)
        w = np.i0(beta * np.sqrt(1 - pos**2)) / np.i0(beta)
        c = g * w
        branches.append(c / c.sum())
    return branches[0], branches[1]


_TAPS = _half_band_taps()
_TAPS_FAST = _half_band_taps(half_width=8, cutoff=0.42, beta=6.0)


def resample_2x(x: np.ndarray, *, fast: bool = False) -> np.ndarray:
    """Upsample float mono audio 2x (e.g. 22,050 -> 44,100 Hz): len(out) == 2 * len(x).

    The default filter (65 taps per phase) is flat to ~0.9 x the input Nyquist with images below
    -90 dB; `fast` (17 taps) is for signals that are already dull, such as a reverb tail."""
    x = np.asarray(x, dtype=np.float64)
    if x.size == 0:
        return x.copy()
    c0, c1 = _TAPS_FAST if fast else _TAPS
    m = (len(c0) - 1) // 2
    xp = np.concatenate([np.zeros(m), x, np.zeros(m)])
    y = np.empty(2 * len(x), dtype=np.float64)
    y[0::2] = np.correlate(xp, c0, mode="valid")
    y[1::2] = np.correlate(xp, c1, mode="valid")
    return y


def decimate_2x(x: np.ndarray, *, fast: bool = False) -> np.ndarray:
    """Halve the sample rate of float audio (axis 0) with the same low-pass: len(out) == ceil(n / 2)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 2:
        return np.stack([decimate_2x(x[:, c], fast=fast) for c in range(x.shape[1])], axis=1)
    if x.size == 0:
        return x.copy()
    # the 2x interpolator's taps, interleaved, are a low-pass at the new Nyquist (x 2 gain)
    c0, c1 = _TAPS_FAST if fast else _TAPS
    h = np.zeros(2 * len(c0) - 1)
    h[0::2] = c0
    h[1::2] = c1[1:]  # c1[0] sits half a sample beyond c0[0]: the windowed tail, ~0
    h /= h.sum()
    y = np.convolve(x, h, mode="same")
    return y[0::2]


# --------------------------------------------------------------------------- loudness and true peak

OVERSAMPLE = 4  # BS.1770-4 Annex 2: true peak measured 4x oversampled (at 48 kHz)


def _oversample_taps(factor: int = OVERSAMPLE, taps_per_phase: int = 48, beta: float = 10.0) -> list[np.ndarray]:
    """Polyphase branches (fractional delays k/factor, k = 1..factor-1) of a Kaiser-windowed sinc
    interpolator. BS.1770-4 Annex 2 uses 12 taps per phase, which under-reads peaks of content
    near Nyquist by up to ~0.5 dB (measured here against 32x resampling); 48 taps per phase
    under-read by < 0.1 dB, so the limiter can trust its own meter."""
    half = taps_per_phase // 2
    d = np.arange(-half + 1, half + 1, dtype=np.float64)  # input offsets around the new point
    out = []
    for k in range(1, factor):
        t = d - k / factor
        w = np.i0(beta * np.sqrt(np.clip(1 - (t / (half + 0.5)) ** 2, 0, 1))) / np.i0(beta)
        c = np.sinc(t) * w
        out.append(c / c.sum())
    return out


_OS_TAPS = _oversample_taps()


def peak_envelope(x: np.ndarray) -> np.ndarray:
    """Per sample n, the largest absolute value of the 4x-oversampled signal between samples n and
    n+1 (and the sample itself), over all channels: the inter-sample ("true") peaks a DAC or an AAC
    decoder reconstructs."""
    x2 = np.asarray(x, dtype=np.float64)
    x2 = x2[:, None] if x2.ndim == 1 else x2
    n = x2.shape[0]
    env = np.abs(x2).max(axis=1)
    half = len(_OS_TAPS[0]) // 2
    for ch in range(x2.shape[1]):
        xp = np.concatenate([np.zeros(half), x2[:, ch], np.zeros(half)])
        for c in _OS_TAPS:
            # the point k/4 after sample n uses x[n-half+1 .. n+half]
            y = np.correlate(xp, c, mode="valid")[1 : n + 1]
            np.maximum(env, np.abs(y), out=env)
    return env


def true_peak_db(x: np.ndarray) -> float:
    """True peak in dBTP (4x oversampled)."""
    if x.size == 0:
        return float("-inf")
    peak = float(peak_envelope(x).max())
    return 20.0 * np.log10(peak) if peak > 0 else float("-inf")


def integrated_lufs(x: np.ndarray, rate: int) -> float:
    """BS.1770-4 integrated loudness (gated) by pyloudnorm; -inf for silence."""
    import pyloudnorm

    meter = pyloudnorm.Meter(int(rate))
    x2 = x if x.ndim == 2 else x[:, None]
    if x2.shape[0] < int(0.4 * rate):  # shorter than one gating block: pad with silence
        x2 = np.concatenate([x2, np.zeros((int(0.4 * rate) - x2.shape[0], x2.shape[1]))])
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(meter.integrated_loudness(x2))


def k_weighting_coefficients(rate: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The two BS.1770 K-weighting biquads (b, a) at `rate`, as pyloudnorm designs them (RBJ cookbook:
    a +4 dB high shelf at 1500 Hz, Q 1/sqrt(2); a high-pass at 38 Hz, Q 0.5), unnormalised."""
    out = []
    for g_db, q, fc, kind in ((4.0, 1 / np.sqrt(2), 1500.0, "high_shelf"), (0.0, 0.5, 38.0, "high_pass")):
        a_ = 10 ** (g_db / 40.0)
        w0 = 2.0 * np.pi * fc / rate
        cw, alpha = np.cos(w0), np.sin(w0) / (2.0 * q)
        if kind == "high_shelf":
            sa = 2 * np.sqrt(a_) * alpha
            b = [
                a_ * ((a_ + 1) + (a_ - 1) * cw + sa),
                -2 * a_ * ((a_ - 1) + (a_ + 1) * cw),
                a_ * ((a_ + 1) + (a_ - 1) * cw - sa),
            ]
            a = [(a_ + 1) - (a_ - 1) * cw + sa, 2 * ((a_ - 1) - (a_ + 1) * cw), (a_ + 1) - (a_ - 1) * cw - sa]
        else:
            b = [(1 + cw) / 2, -(1 + cw), (1 + cw) / 2]
            a = [1 + alpha, -2 * cw, 1 - alpha]
        out.append((np.array(b), np.array(a)))
    return out


def fft_size(n: int) -> int:
    """The smallest 2^i 3^j >= n (sizes numpy's FFT handles fastest)."""
    best, p3 = 1 << max(0, (n - 1).bit_length()), 1
    while p3 < n:
        p2 = p3 << max(0, (-(-n // p3) - 1).bit_length())
        best = min(best, p2)
        p3 *= 3
    return min(best, p3)


def k_weighted(x: np.ndarray, rate: int) -> np.ndarray:
    """The BS.1770 K-weighting (the two biquads of `k_weighting_coefficients`, in series, from rest),
    channels as columns. Computed as one FFT product with the filters' exact frequency response,
    zero-padded by a second, past which their impulse response is below 1e-15 (the 38 Hz high-pass
    decays slowest): the same output as scipy's lfilter to rounding, without importing scipy.signal
    (about a second on this machine) in the mix task."""
    x2 = np.asarray(x, dtype=np.float64)
    x2 = x2[:, None] if x2.ndim == 1 else x2
    n = x2.shape[0]
    if n == 0:
        return x2.copy()
    size = fft_size(n + int(rate))
    z = np.exp(-2j * np.pi * np.arange(size // 2 + 1) / size)  # z^-1 on the FFT's frequency grid
    h = np.ones(len(z), dtype=complex)
    for b, a in k_weighting_coefficients(rate):
        h *= (b[0] + z * (b[1] + z * b[2])) / (a[0] + z * (a[1] + z * a[2]))
    spec = np.fft.rfft(np.ascontiguousarray(x2.T), size, axis=1)
    spec *= h
    return np.ascontiguousarray(np.fft.irfft(spec, size, axis=1)[:, :n].T)


def gated_lufs(kx: np.ndarray, rate: int, gain: np.ndarray | float = 1.0) -> float:
    """BS.1770-4 integrated loudness of a K-weighted signal (see k_weighted; or, 1-D, its energy
    summed over the channels) times a gain: 400 ms
    blocks with 75 % overlap, absolute gate -70 LUFS, relative gate -10 LU. The gain is applied to
    the block energies, so a mix can be re-measured after each change of a slowly varying gain
    without filtering it again (exact for a constant gain)."""
    e = kx if kx.ndim == 1 else (kx * kx).sum(axis=1)  # 1-D: the per-sample energy, already summed
    e = e * (np.square(gain) if np.ndim(gain) else float(gain) ** 2)
    block, step = int(0.4 * rate), int(0.1 * rate)
    if len(e) < block:
        e = np.concatenate([e, np.zeros(block - len(e))])
    c = np.concatenate([[0.0], np.cumsum(e)])
    starts = np.arange(0, len(e) - block + 1, step)
    z = (c[starts + block] - c[starts]) / block
    with np.errstate(divide="ignore"):
        lk = -0.691 + 10 * np.log10(z)
    z = z[lk >= -70.0]
    if not z.size:
        return float("-inf")
    rel = -0.691 + 10 * np.log10(z.mean()) - 10.0
    z = z[-0.691 + 10 * np.log10(z) > rel]
    return float(-0.691 + 10 * np.log10(z.mean()))


def limiter_gain(
    peaks: np.ndarray,
    ceiling: float,
    rate: int,
    *,
    attack_db_per_ms: float = 1.5,
    release_db_per_ms: float = 0.1,
    peaks_db: np.ndarray | None = None,
    gain_db: float = 0.0,
) -> np.ndarray:
    """Gain curve (<= 1) of a look-ahead peak limiter that keeps `peaks * gain <= ceiling` everywhere.

    In dB of gain reduction: each sample needs r[n] = max(0, peak[n] - ceiling). The limiter's
    reduction is the upper envelope of straight lines from every need: falling towards a peak at
    `attack_db_per_ms` (look-ahead), recovering after it at `release_db_per_ms` (a deep, dense
    run of peaks recovers slowly, a lone click quickly). Both envelopes are running maxima
    (np.maximum.accumulate), so this is exact and vectorised, and the curve is continuous (linear
    in dB between corners). Every sample's reduction is >= its need: the ceiling holds by construction.
    Offline, the look-ahead costs no delay: there is no latency to compensate."""
    if peaks_db is None:
        peaks_db = 20 * np.log10(np.maximum(peaks, 1e-12))
    need = peaks_db + (gain_db - 20 * np.log10(ceiling))
    if not (need > 0).any():
        return np.ones(len(need))
    need = np.where(need > 0, need + 1e-6, 0.0)  # a micro-dB more: float rounding never lets a peak through
    idx = np.arange(len(need), dtype=np.float64)
    rel = release_db_per_ms * 1000.0 / rate  # dB per sample
    att = attack_db_per_ms * 1000.0 / rate
    fwd = np.maximum.accumulate(need + rel * idx) - rel * idx  # hold the reduction, then release
    bwd = (np.maximum.accumulate((need - att * idx)[::-1]) + att * idx[::-1])[::-1]  # start before the peak
    gr = np.maximum(fwd, bwd)  # continuous, piecewise linear in dB: no steps, no clicks
    return np.minimum(np.exp(gr * (-np.log(10.0) / 20.0)), 1.0)
