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


def randomise(layer, seed=0, scale=0.5):
    """Gives every weight of a built layer random values (biases included).

    Fresh layers start with zero biases, under which a bias added along the
    wrong axis goes unseen.
    """
    rng = np.random.default_rng(seed)
    for weight in layer.weights:
        weight.assign(scale * rng.standard_normal(weight.shape))
    return layer


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
    # W acts across patches: an (N_out, N_in) matrix on the patch axis.
    gate = np.einsum("mn,bnc->bmc", w[f"{prefix}kernel"], z2)
    return z1 * (gate + w[f"{prefix}bias"].reshape(1, -1, 1))


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


def affine(x, alpha, beta):
    return alpha.reshape(-1) * x + beta.reshape(-1)


def resmlp_block(x, w, approximate=False):
    """Touvron et al., 2021, eq. 1-2, with the LayerScales of their Fig. 1."""
    y = affine(x, w["token_norm/alpha"], w["token_norm/beta"])
    tokens = np.einsum("mn,bnc->bmc", w["token_kernel"], y) + w["token_bias"].reshape(
        1, -1, 1
    )
    z = x + w["token_scale"] * tokens
    y = affine(z, w["channel_norm/alpha"], w["channel_norm/beta"])
    h = mlp(
        y,
        w["mlp/fc1/kernel"],
        w["mlp/fc1/bias"],
        w["mlp/fc2/kernel"],
        w["mlp/fc2/bias"],
        approximate,
    )
    return z + w["channel_scale"] * h


# Whole models, straight from checkpoint tensors: the official Flax MLP-Mixer
# (Dense kernels (in, out), convolution HWIO, tanh GELU) and timm's MLP-Mixer
# and gMLP (Linear weights (out, in), convolution OIHW, exact GELU).


def dense(x, kernel, bias):
    return x @ kernel + bias


def linear(x, weight, bias):
    return x @ weight.T + bias


def patch_embedding(images, kernel_hwio, bias):
    """A convolution with kernel and stride equal to its size, flattened row-major."""
    ph, pw, channels, _ = kernel_hwio.shape
    batch, height, width, _ = images.shape
    x = images.reshape(batch, height // ph, ph, width // pw, pw, channels)
    out = np.einsum("bypxqc,pqco->byxo", x, kernel_hwio) + bias
    return out.reshape(batch, -1, out.shape[-1])


def official_mixer_logits(t, images, num_blocks):
    x = patch_embedding(images, t["stem/kernel"], t["stem/bias"])
    for i in range(num_blocks):
        p = f"MixerBlock_{i}/"
        y = layer_norm(x, t[p + "LayerNorm_0/scale"], t[p + "LayerNorm_0/bias"], 1e-6)
        y = np.swapaxes(y, 1, 2)
        y = dense(
            y, t[p + "token_mixing/Dense_0/kernel"], t[p + "token_mixing/Dense_0/bias"]
        )
        y = dense(
            gelu(y, True),
            t[p + "token_mixing/Dense_1/kernel"],
            t[p + "token_mixing/Dense_1/bias"],
        )
        x = x + np.swapaxes(y, 1, 2)
        y = layer_norm(x, t[p + "LayerNorm_1/scale"], t[p + "LayerNorm_1/bias"], 1e-6)
        y = dense(
            y,
            t[p + "channel_mixing/Dense_0/kernel"],
            t[p + "channel_mixing/Dense_0/bias"],
        )
        x = x + dense(
            gelu(y, True),
            t[p + "channel_mixing/Dense_1/kernel"],
            t[p + "channel_mixing/Dense_1/bias"],
        )
    x = layer_norm(
        x, t["pre_head_layer_norm/scale"], t["pre_head_layer_norm/bias"], 1e-6
    )
    return dense(x.mean(axis=1), t["head/kernel"], t["head/bias"])


def _timm_stem(t, images):
    kernel = t["stem.proj.weight"].transpose(2, 3, 1, 0)
    return patch_embedding(images, kernel, t["stem.proj.bias"])


def _timm_head(t, x):
    if "norm.alpha" in t:  # ResMLP's final Affine
        x = affine(x, t["norm.alpha"], t["norm.beta"])
    else:
        x = layer_norm(x, t["norm.weight"], t["norm.bias"], 1e-6)
    return linear(x.mean(axis=1), t["head.weight"], t["head.bias"])


def timm_mixer_logits(t, images, num_blocks):
    x = _timm_stem(t, images)
    for i in range(num_blocks):
        p = f"blocks.{i}."
        y = layer_norm(x, t[p + "norm1.weight"], t[p + "norm1.bias"], 1e-6)
        y = np.swapaxes(y, 1, 2)
        y = linear(y, t[p + "mlp_tokens.fc1.weight"], t[p + "mlp_tokens.fc1.bias"])
        y = linear(
            gelu(y), t[p + "mlp_tokens.fc2.weight"], t[p + "mlp_tokens.fc2.bias"]
        )
        x = x + np.swapaxes(y, 1, 2)
        y = layer_norm(x, t[p + "norm2.weight"], t[p + "norm2.bias"], 1e-6)
        y = linear(y, t[p + "mlp_channels.fc1.weight"], t[p + "mlp_channels.fc1.bias"])
        x = x + linear(
            gelu(y), t[p + "mlp_channels.fc2.weight"], t[p + "mlp_channels.fc2.bias"]
        )
    return _timm_head(t, x)


def timm_gmlp_logits(t, images, num_blocks):
    x = _timm_stem(t, images)
    for i in range(num_blocks):
        p = f"blocks.{i}.mlp_channels."
        y = layer_norm(
            x, t[f"blocks.{i}.norm.weight"], t[f"blocks.{i}.norm.bias"], 1e-6
        )
        z = gelu(linear(y, t[p + "fc1.weight"], t[p + "fc1.bias"]))
        u, v = np.split(z, 2, axis=-1)
        v = layer_norm(v, t[p + "gate.norm.weight"], t[p + "gate.norm.bias"], 1e-5)
        v = linear(
            np.swapaxes(v, 1, 2), t[p + "gate.proj.weight"], t[p + "gate.proj.bias"]
        )
        x = x + linear(u * np.swapaxes(v, 1, 2), t[p + "fc2.weight"], t[p + "fc2.bias"])
    return _timm_head(t, x)


def timm_resmlp_logits(t, images, num_blocks):
    x = _timm_stem(t, images)
    for i in range(num_blocks):
        p = f"blocks.{i}."
        y = affine(x, t[p + "norm1.alpha"], t[p + "norm1.beta"])
        y = linear(
            np.swapaxes(y, 1, 2),
            t[p + "linear_tokens.weight"],
            t[p + "linear_tokens.bias"],
        )
        x = x + t[p + "ls1"] * np.swapaxes(y, 1, 2)
        y = affine(x, t[p + "norm2.alpha"], t[p + "norm2.beta"])
        y = gelu(
            linear(y, t[p + "mlp_channels.fc1.weight"], t[p + "mlp_channels.fc1.bias"])
        )
        y = linear(y, t[p + "mlp_channels.fc2.weight"], t[p + "mlp_channels.fc2.bias"])
        x = x + t[p + "ls2"] * y
    return _timm_head(t, x)
