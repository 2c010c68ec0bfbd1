"""Float64 NumPy versions of the blocks, written from the papers' equations.

The library's layers must agree with these to float32 rounding given the same
weights; they share no code with the library.
"""

import math

import numpy as np

_erf = np.vectorize(math.erf)


def gelu(x, approximate=False):
    if approximate:
        return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))
    return 0.5 * x * (1 + _erf(x / np.sqrt(2)))


def layer_norm(x, gamma, beta, epsilon):
    mean = x.mean(-1, keepdims=True)
    var = x.var(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + epsilon) * gamma + beta


def mlp(x, w1, b1, w2, b2, approximate=False, gate=None):
    """Dense, GELU, (gate), Dense along the last axis."""
    h = gelu(x @ w1 + b1.reshape(-1), approximate)
    if gate is not None:
        h = gate(h)
    return h @ w2 + b2.reshape(-1)


def weights_of(layer):
    """The layer's weights as float64 arrays keyed by their path inside it."""
    prefix = layer.path + "/"
    return {
        w.path.removeprefix(prefix): np.asarray(w.numpy(), "float64")
        for w in layer.weights
    }


def mixer_block(x, w, epsilon, approximate=False):
    def norm(name, y):
        return layer_norm(y, w[f"{name}/gamma"], w[f"{name}/beta"], epsilon)

    def branch(name, y):
        return mlp(
            y,
            w[f"{name}/fc1/kernel"],
            w[f"{name}/fc1/bias"],
            w[f"{name}/fc2/kernel"],
            w[f"{name}/fc2/bias"],
            approximate,
        )

    tokens = np.swapaxes(norm("token_norm", x), 1, 2)  # (B, C, N)
    u = x + np.swapaxes(branch("token_mlp", tokens), 1, 2)
    return u + branch("channel_mlp", norm("channel_norm", u))


def fnet_block(x, w, epsilon, approximate=False):
    u = layer_norm(
        x + np.fft.fft2(x).real,
        w["fourier_norm/gamma"],
        w["fourier_norm/beta"],
        epsilon,
    )
    h = mlp(
        u,
        w["mlp/fc1/kernel"],
        w["mlp/fc1/bias"],
        w["mlp/fc2/kernel"],
        w["mlp/fc2/bias"],
        approximate,
    )
    return layer_norm(u + h, w["mlp_norm/gamma"], w["mlp_norm/beta"], epsilon)


def spatial_gating(z, w, epsilon, prefix=""):
    z1, z2 = np.split(z, 2, axis=-1)
    z2 = layer_norm(z2, w[f"{prefix}norm/gamma"], w[f"{prefix}norm/beta"], epsilon)
    # W acts across patches: (N_in, N_out) kernel on the patch axis.
    gate = np.einsum("bnc,nm->bmc", z2, w[f"{prefix}spatial_proj/kernel"])
    return z1 * (gate + w[f"{prefix}spatial_proj/bias"].reshape(1, -1, 1))


def gmlp_block(x, w, epsilon, gate_epsilon, approximate=False):
    y = layer_norm(x, w["norm/gamma"], w["norm/beta"], epsilon)
    h = mlp(
        y,
        w["mlp/fc1/kernel"],
        w["mlp/fc1/bias"],
        w["mlp/fc2/kernel"],
        w["mlp/fc2/bias"],
        approximate,
        gate=lambda z: spatial_gating(z, w, gate_epsilon, prefix="mlp/gate/"),
    )
    return x + h
