"""SD 1.5's UNet and VAE (random weights, the real layer sizes) in eager torch fp16 on a CUDA GPU: a reference for what
the hardware gives per step, beside Reroll's own ONNX Runtime figures (docs/performance.md, "Measured on an H200").
Not Reroll's code path and not part of `npm run bench`: it needs torch and diffusers (DIFFUSERS_SRC=…/diffusers/src
when diffusers is not installed).

    python3 bench/gpu-reference.py
"""
import os
import sys
import time

if os.environ.get("DIFFUSERS_SRC"):
    sys.path.insert(0, os.environ["DIFFUSERS_SRC"])
import torch
from diffusers import AutoencoderKL, UNet2DConditionModel


def timed(fn, runs=20):
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2] * 1000, times[0] * 1000


def run(log):
    dev = "cuda"
    log("gpu", torch.cuda.get_device_name(0))
    unet = UNet2DConditionModel(cross_attention_dim=768, sample_size=64).to(dev, torch.float16).eval()
    log("sd15 unet params", sum(p.numel() for p in unet.parameters()))
    with torch.no_grad():
        for batch, side in [(2, 64), (1, 64), (8, 64), (2, 96)]:
            x = torch.randn(batch, 4, side, side, device=dev, dtype=torch.float16)
            e = torch.randn(batch, 77, 768, device=dev, dtype=torch.float16)
            t = torch.full((batch,), 500, device=dev)
            median, best = timed(lambda: unet(x, t, e))
            log(f"sd15 unet fp16 batch {batch} at {side * 8}px: median {median:.2f} ms, best {best:.2f} ms")
        del unet
        vae = AutoencoderKL(block_out_channels=[128, 256, 512, 512], down_block_types=["DownEncoderBlock2D"] * 4,
                            up_block_types=["UpDecoderBlock2D"] * 4, latent_channels=4, layers_per_block=2,
                            sample_size=512).to(dev, torch.float16).eval()
        z = torch.randn(1, 4, 64, 64, device=dev, dtype=torch.float16)
        median, best = timed(lambda: vae.decode(z), runs=10)
        log(f"sd15 vae decode fp16 512px: median {median:.2f} ms, best {best:.2f} ms")
        img = torch.randn(1, 3, 512, 512, device=dev, dtype=torch.float16)
        median, best = timed(lambda: vae.encode(img), runs=10)
        log(f"sd15 vae encode fp16 512px: median {median:.2f} ms, best {best:.2f} ms")


if __name__ == "__main__":
    run(lambda *parts: print(*parts, flush=True))
