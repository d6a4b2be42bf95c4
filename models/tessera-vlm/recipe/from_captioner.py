"""Loads tessera-captioner's trained image encoder from its ONNX export into the captioner
recipe's Encoder module, so tessera-vlm starts from a vision tower that already knows the
shapes world (the captioner never saw the held-out colour x shape pairs either).

The export folded each BatchNorm into the convolution before it; the folded bias goes into
a BatchNorm set to the identity, and the encoder stays in eval mode (frozen) so batch
statistics never replace it.
"""
import os

import onnx
import torch
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT = os.path.join(HERE, "..", "..", "tessera-captioner", "onnx", "encoder_model.onnx")


def load_encoder_weights(encoder, path=DEFAULT):
    inits = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in onnx.load(path).graph.initializer}
    convs = [m for m in encoder.features if isinstance(m, torch.nn.Sequential)]
    conv_w = [k for k in inits if k.startswith("onnx::Conv_") and inits[k].dim() == 4]
    conv_b = [k for k in inits if k.startswith("onnx::Conv_") and inits[k].dim() == 1]
    order = lambda k: int(k.rsplit("_", 1)[1])  # noqa: E731
    conv_w.sort(key=order)
    conv_b.sort(key=order)
    assert len(convs) == len(conv_w) == len(conv_b), (len(convs), conv_w)
    with torch.no_grad():
        for seq, wk, bk in zip(convs, conv_w, conv_b):
            conv, bn = seq[0], seq[1]
            conv.weight.copy_(inits[wk])
            bn.weight.fill_(1.0)
            bn.bias.copy_(inits[bk])
            bn.running_mean.zero_()
            bn.running_var.fill_(1.0 - bn.eps)
        mats = sorted((k for k in inits if k.startswith("onnx::MatMul_")), key=order)
        linears = [encoder.proj, encoder.blocks[0].qkv, encoder.blocks[0].out, encoder.blocks[0].mlp.fc, encoder.blocks[0].mlp.proj]
        assert len(mats) == len(linears)
        for lin, mk in zip(linears, mats):
            lin.weight.copy_(inits[mk].t())
        state = encoder.state_dict()
        for k, v in inits.items():
            if k.startswith("encoder."):
                state[k[len("encoder."):]].copy_(v)
    encoder.eval()
    for p in encoder.parameters():
        p.requires_grad_(False)
    return encoder


if __name__ == "__main__":
    # Writes a fixed input and this module's output, for a check against the ONNX graph
    # with onnxruntime (check_encoder.mjs).
    from vlm_model import Vlm, VlmConfig
    enc = load_encoder_weights(Vlm(VlmConfig(vocab_size=68)).encoder)
    x = torch.linspace(-1, 1, 2 * 3 * 64 * 64).reshape(2, 3, 64, 64).sin()
    x.numpy().astype("float32").tofile("/tmp/vlm-enc-in.f32")
    enc(x).detach().numpy().astype("float32").tofile("/tmp/vlm-enc-out.f32")
