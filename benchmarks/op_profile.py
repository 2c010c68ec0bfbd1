"""Where the time of one call goes, operation by operation.

    KERAS_BACKEND=jax python benchmarks/op_profile.py train mixer_b16_224 --batch-size 8
    KERAS_BACKEND=torch python benchmarks/op_profile.py fnet-block
    KERAS_BACKEND=torch python benchmarks/op_profile.py inference gmlp_s16_224 --timm

Workloads: `inference PRESET` (`predict_on_batch`), `train PRESET` (one
`train_on_batch` step with AdamW, as `benchmarks/suite.py` times it) and
`fnet-block` (an `FNetBlock` forward at the CIFAR-100 size, batch 256).

On JAX and TensorFlow (whose training and prediction steps XLA compiles)
the calls are traced with `jax.profiler` or `tf.profiler`, and every XLA
operation that ran is named after the layers its HLO metadata points to: the
table sums the time per layer (blocks merged, forward and backward apart;
work outside any sublayer is named after its operation, as `(fft)`) and
per kind of operation (products, fusions, reductions), and lists the
slowest operations with the number of blocks each one's fused
computation spans. On PyTorch it prints `torch.profiler`'s table of
operators and how much of a call they take (the rest is Python); with
`--timm` it profiles timm's model of the same architecture instead, for
comparison.
"""

from __future__ import annotations

import argparse
import collections
import glob
import gzip
import json
import os
import pathlib
import re
import tempfile
import time


def workload(args):
    """The call to profile, built and run once (compilation done)."""
    import keras
    import numpy as np
    from keras import ops
    from throughput import compile_for_training, random_images

    from keras_mlpmix.layers import FNetBlock
    from keras_mlpmix.models import ImageClassifier, XLAModel

    if args.workload == "fnet-block":
        shape = (args.batch_size or 256, 64, 256)
        tokens = keras.Input(shape[1:])
        # Compiled as the FNet models are (and as the suite times the block).
        model = XLAModel(tokens, ops.sum(FNetBlock(ffn_dim=256)(tokens), -1))
        model.compile()
        inputs = ops.convert_to_tensor(
            np.random.default_rng(0).standard_normal(shape), "float32"
        )
        call = lambda: model.predict_on_batch(inputs)  # noqa: E731
    else:
        model = ImageClassifier.from_preset(args.preset, weights=False)
        batch_size = args.batch_size or 16
        images = random_images(batch_size, model.input_shape[1:3])
        if args.workload == "inference":
            model.compile()
            call = lambda: model.predict_on_batch(images)  # noqa: E731
        else:
            compile_for_training(model)
            labels = np.arange(batch_size) % model.output_shape[-1]
            call = lambda: model.train_on_batch(images, labels)  # noqa: E731
    call()
    return call


def timm_workload(args):
    """The same call with timm's model of the preset's architecture, in
    PyTorch as timm's users run it (`inference_mode`; an AdamW step)."""
    import torch
    from timm_reference import adamw_step, timm_model

    from keras_mlpmix.models import ImageClassifier

    ours = ImageClassifier.from_preset(args.preset, weights=False)
    num_classes = ours.output_shape[-1]
    model = timm_model(ours.backbone, num_classes, ours.dropout_rate)
    batch_size = args.batch_size or 16
    images = torch.rand(batch_size, 3, *model.stem.img_size)
    if args.workload == "inference":
        model.eval()

        def call():
            with torch.inference_mode():
                model(images)
    else:
        call = adamw_step(model, images, torch.arange(batch_size) % num_classes)

    call()
    return call


def _layers(op_name: str) -> tuple[str, str]:
    """`(phase, layer path)` of an HLO `op_name`: JAX's
    `jit(train_step)/transpose(jvp(backbone))/block_3/token_mixing/fc1/dot`
    or TensorFlow's
    `gradient_tape/image_classifier/backbone/block_3_1/token_mixing/fc1/MatMul`.
    """
    parts = op_name.split("/")
    if parts[0].startswith("jit("):
        phase = "backward" if "transpose(" in op_name else "forward"
        names = [
            re.sub(r"^(?:\w+\()+|\)+$", "", part)
            for part in parts[1:-1]
            if not part.startswith("jit(")  # a function inside the step
        ]
        names = [name for name in names if re.fullmatch(r"[A-Za-z]\w*", name)]
    else:  # TensorFlow: layers' name scopes, then operations' (capitalised)
        phase = "backward" if parts[0] == "gradient_tape" else "forward"
        scopes = parts[1 if phase == "backward" else 0 : -1]
        names = [name for name in scopes[1:] if re.fullmatch(r"[a-z]\w*", name)]
        # Scopes opened twice are numbered (`block_3_1`, `mlp_1`).
        names = [re.sub(r"^(?!block_\d+$)(.*?)_\d+$", r"\1", name) for name in names]
    if len(names) < 2:  # work of the model itself, not of a sublayer
        operation = re.sub(r"_\d+$", "", parts[-1])
        return phase, f"({operation})"
    return phase, re.sub(r"block_\d+", "block_*", "/".join(names[1:]))


def xla_instructions(dump_dir: str) -> tuple[str, dict[str, tuple[str, int]]]:
    """The name of the model's step module in an HLO dump, and for each of
    its instructions the `op_name` it is named after and how many blocks
    its computation spans."""
    modules = glob.glob(f"{dump_dir}/*after_optimizations.txt")
    if not modules:
        raise SystemExit("XLA compiled no step to profile (was it run eagerly?).")
    # The model's step is the largest module XLA compiled.
    module = max(modules, key=os.path.getsize)
    hlo = pathlib.Path(module).read_text()
    bodies = {
        m.group(1): m.group(2)
        for m in re.finditer(r"^%([\w.\-]+) .*?\{\n(.*?)\n\}", hlo, re.S | re.M)
    }
    instructions, first_user = {}, {}
    for m in re.finditer(r"^\s*(?:ROOT )?%([\w.\-]+) = (.*)$", hlo, re.M):
        name, rest = m.groups()
        operands = re.search(r"[\w\-]+\(([^)]*)\)", rest)
        for operand in re.findall(
            r"%([\w.\-]+)", operands.group(1) if operands else ""
        ):
            first_user.setdefault(operand, name)
        called = re.search(r"calls=%([\w.\-]+)", rest)
        body = bodies.get(called.group(1), "") if called else ""
        # A fusion is named after its matrix product or FFT if it has one
        # (they cost the most), else after its root.
        heavy = re.search(r" (?:dot|convolution|fft)\(.*?op_name=\"([^\"]*)\"", body)
        op_name = heavy or re.search(r'op_name="([^"]*)"', rest)
        blocks = set(re.findall(r"block_(\d+)(?:_\d+)?/", body + rest))
        instructions[name] = (op_name.group(1) if op_name else "", len(blocks))
    # What XLA adds itself (a long sum split into partial sums, a copy)
    # carries no metadata: it is named after the instruction it feeds.
    for name, (op_name, blocks) in instructions.items():
        user = name
        for _ in range(8):
            if op_name or user not in first_user:
                break
            user = first_user[user]
            op_name = instructions[user][0]
        instructions[name] = (op_name, blocks)
    return pathlib.Path(module).name, instructions


def print_xla_table(per_op: dict[str, float], dump_dir: str, top: int):
    """Prints the time per layer and the slowest operations, given the
    milliseconds per call of each XLA operation that was traced."""
    module, instructions = xla_instructions(dump_dir)
    per_op = collections.Counter(
        {name: ms for name, ms in per_op.items() if name in instructions}
    )
    per_layer = collections.Counter()
    for name, ms in per_op.items():
        per_layer[_layers(instructions[name][0])] += ms
    total = sum(per_op.values())

    print(f"XLA operations of {module}: {total:.1f} ms per call\n")
    print(f"{'ms':>9} {'share':>6}  phase     layer")
    for (phase, layer), ms in per_layer.most_common(top):
        print(f"{ms:9.1f} {ms / total:6.1%}  {phase:9s} {layer}")
    # One XLA operation should belong to one block; those that span several
    # recompute work of every block they span.
    spanning = sum(ms for name, ms in per_op.items() if instructions[name][1] > 1)
    print(
        f"\nOperations spanning 2+ blocks: {spanning:.1f} ms ({spanning / total:.1%})"
    )
    # XLA numbers the instructions of one kind (`dot.12`, `copy_fusion.3`).
    kinds = collections.Counter()
    for name, ms in per_op.items():
        kinds[re.sub(r"\.\d+$", "", name)] += ms
    print(f"\n{'ms':>9} {'share':>6}  kind of operation")
    for kind, ms in kinds.most_common(top):
        print(f"{ms:9.1f} {ms / total:6.1%}  {kind}")
    print(f"\n{'ms':>9} {'blocks':>6}  operation (layer)")
    for name, ms in per_op.most_common(top):
        op_name, blocks = instructions[name]
        phase, layer = _layers(op_name)
        print(f"{ms:9.1f} {blocks:6d}  {name} ({phase} {layer})")


def profile_jax(call, repeats: int, dump_dir: str, top: int):
    import jax

    with tempfile.TemporaryDirectory() as trace_dir:
        with jax.profiler.trace(trace_dir, create_perfetto_trace=True):
            for _ in range(repeats):
                call()
        trace = glob.glob(f"{trace_dir}/**/perfetto_trace.json.gz", recursive=True)
        with gzip.open(trace[0]) as file:
            events = json.load(file)
    events = events["traceEvents"] if isinstance(events, dict) else events
    per_op = collections.Counter()
    for event in events:
        if event.get("ph") == "X":
            per_op[event["name"]] += event["dur"] / 1e3 / repeats
    print_xla_table(per_op, dump_dir, top)


def profile_tensorflow(call, repeats: int, dump_dir: str, top: int):
    import tensorflow as tf
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    with tempfile.TemporaryDirectory() as trace_dir:
        tf.profiler.experimental.start(trace_dir)
        for _ in range(repeats):
            call()
        tf.profiler.experimental.stop()
        (trace,) = glob.glob(f"{trace_dir}/**/*.xplane.pb", recursive=True)
        space = xplane_pb2.XSpace.FromString(pathlib.Path(trace).read_bytes())
    per_op = collections.Counter()
    for plane in space.planes:
        for line in plane.lines:
            for event in line.events:
                name = plane.event_metadata[event.metadata_id].name
                per_op[name] += event.duration_ps / 1e9 / repeats
    print_xla_table(per_op, dump_dir, top)


def profile_torch(call, repeats: int, top: int):
    from torch.profiler import ProfilerActivity, profile

    start = time.perf_counter()
    for _ in range(repeats):
        call()
    call_ms = (time.perf_counter() - start) * 1e3 / repeats
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(repeats):
            call()
    averages = prof.key_averages()
    operators = [e for e in averages if e.key.startswith("aten::")]
    operators_ms = sum(e.self_cpu_time_total for e in operators) / 1e3 / repeats
    calls = sum(e.count for e in operators) / repeats
    print(f"Operators over {repeats} calls:")
    print(averages.table(sort_by="self_cpu_time_total", row_limit=top))
    print(
        f"A call takes {call_ms:.1f} ms unprofiled; PyTorch's operators "
        f"({calls:.0f} per call) {operators_ms:.1f} ms of it. The rest is Python."
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workload", choices=("inference", "train", "fnet-block"))
    parser.add_argument("preset", nargs="?", help="preset name (not for fnet-block)")
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument(
        "--timm", action="store_true", help="profile timm's model (PyTorch only)"
    )
    args = parser.parse_args(argv)

    if args.workload != "fnet-block" and args.preset is None:
        raise SystemExit(f"`{args.workload}` needs a preset name.")
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    if args.timm and (backend != "torch" or args.workload == "fnet-block"):
        raise SystemExit(
            "--timm profiles timm's model of a preset, with KERAS_BACKEND=torch. "
            f"Received: KERAS_BACKEND={backend!r}, workload {args.workload!r}."
        )
    if backend in ("jax", "tensorflow"):
        # The HLO dump names each fusion's layers; XLA reads the flag when
        # the backend starts, so it is set before Keras imports it.
        dump_dir = tempfile.TemporaryDirectory()
        flags = (
            os.environ.get("XLA_FLAGS", ""),
            f"--xla_dump_to={dump_dir.name}",
            "--xla_dump_hlo_as_text",
            "--xla_dump_hlo_module_re=.*_step.*",
        )
        os.environ["XLA_FLAGS"] = " ".join(flags).strip()
        profile = profile_jax if backend == "jax" else profile_tensorflow
        with dump_dir:
            profile(workload(args), args.repeats, dump_dir.name, args.top)
    elif backend == "torch":
        call = timm_workload(args) if args.timm else workload(args)
        profile_torch(call, args.repeats, args.top)
    else:
        raise SystemExit(
            "op_profile.py supports KERAS_BACKEND=jax, tensorflow or torch. "
            f"Received: {backend!r}."
        )


if __name__ == "__main__":
    main()
