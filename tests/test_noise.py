"""Noise transforms follow their formulas and fastai's contract; the robust model survives noise."""
import math
from pathlib import Path
import numpy as np, pytest, torch
from fastai.vision.all import TensorImage
import catdog
from catdog.noise import CORRUPTIONS, SEVERITIES, Corrupt, corrupt, corrupt_image

LEVELS = SEVERITIES   # the seven corruptions of the library (03_noise's four unnamed ones are notebook code)

ROOT = Path(__file__).resolve().parents[1]
GREY = torch.full((2, 3, 200, 200), 128 / 255)   # an exact 8-bit grey


def test_gaussian_sigma():
    "Additive Gaussian noise has the requested standard deviation and zero mean."
    d = corrupt(GREY, 'gaussian', 0.1, seed=0) - GREY
    assert abs(d.std().item() - 0.1) < 0.004 and abs(d.mean().item()) < 0.002


def test_salt_pepper_fraction():
    "Salt-and-pepper changes the requested fraction of pixels, to pure black or white, half each."
    y = corrupt(GREY, 'salt_pepper', 0.2, seed=0)
    changed = (y != GREY).any(1)
    assert abs(changed.float().mean().item() - 0.2) < 0.01
    vals = y.permute(0, 2, 3, 1)[changed]
    assert set(vals.unique().tolist()) <= {0., 1.} and abs((vals == 1).float().mean().item() - 0.5) < 0.03


def test_uniform_speckle_poisson():
    "Uniform std is a/√3; speckle noise grows with brightness; Poisson variance equals its mean count."
    assert abs(corrupt(GREY, 'uniform', 0.3, seed=0).std().item() - 0.3 / math.sqrt(3)) < 0.004
    dark, bright = torch.full((1, 3, 200, 200), 51 / 255), torch.full((1, 3, 200, 200), 204 / 255)
    assert (corrupt(bright, 'speckle', 0.2, seed=0) - bright).std() > 3 * (corrupt(dark, 'speckle', 0.2, seed=0) - dark).std()
    assert abs((corrupt(GREY, 'poisson', 100, seed=0) * 100).var().item() - 50.2) < 1.5


def test_blur_and_jpeg():
    "Blur lowers pixel-to-pixel variation and is deterministic; JPEG at low quality changes the image."
    x = torch.rand(2, 3, 64, 64)
    b = corrupt(x, 'blur', 1.5)
    assert b.diff(dim=-1).abs().mean() < 0.5 * x.diff(dim=-1).abs().mean() and torch.equal(b, corrupt(x, 'blur', 1.5))
    assert (corrupt(x, 'jpeg', 5) - x).abs().mean() > 0.05


@pytest.mark.parametrize('kind', list(CORRUPTIONS))
def test_output_range_dtype_and_seed(kind):
    "Every corruption returns 8-bit values in 0..1 of the input's shape, identical under the same seed."
    x = torch.rand(3, 3, 40, 40)
    y = corrupt(x, kind, LEVELS[kind][4], seed=1)
    assert y.shape == x.shape and y.dtype == torch.float32 and 0 <= y.min() and y.max() <= 1
    assert torch.allclose(y * 255, (y * 255).round(), atol=1e-3)
    assert torch.equal(y, corrupt(x, kind, LEVELS[kind][4], seed=1))
    u8 = corrupt_image((x[0].permute(1, 2, 0) * 255).byte().numpy(), kind, LEVELS[kind][2])
    assert u8.dtype == np.uint8 and u8.shape == (40, 40, 3)


def test_transform_contract():
    "Corrupt is a no-op on validation batches, p gives both outcomes, a fixed draw applies everywhere."
    xb = TensorImage(torch.full((16, 3, 16, 16), 128 / 255))
    assert torch.equal(Corrupt('gaussian')(xb, split_idx=1), xb)
    hit = (Corrupt('gaussian', p=0.5, seed=0)(xb, split_idx=0) != xb).flatten(1).any(1)
    assert 0 < hit.sum() < 16
    assert (Corrupt('gaussian', draw=0.3)(xb, split_idx=1) != xb).any()
    mix = Corrupt({'gaussian': (0, .5), 'blur': (0.5, 2)}, seed=0)(TensorImage(torch.rand(16, 3, 16, 16)), split_idx=0)
    assert mix.shape == (16, 3, 16, 16)


def test_corrupt_weights():
    "`weights` sets the odds of each kind (3 : 1 here), zero weight never draws a kind, and bad weights are refused by name."
    xg = TensorImage(torch.full((4000, 3, 4, 4), 128 / 255))   # flat grey: blur changes nothing, Gaussian noise changes every image
    changed = lambda w: (Corrupt({'gaussian': (0.2, 0.2), 'blur': (1., 1.)}, seed=0, weights=w)(xg, split_idx=0) != xg).flatten(1).any(1).float().mean().item()
    assert abs(changed({'gaussian': 3, 'blur': 1}) - 0.75) < 0.03
    assert abs(changed(None) - 0.5) < 0.03                      # uniform by default
    assert changed({'gaussian': 0, 'blur': 1}) == 0
    assert changed({'gaussian': 0}) == 0                        # a kind left out weighs 1: blur alone is drawn
    for bad in ({'speckle': 1}, {'gaussian': -1}, {'gaussian': 0, 'blur': 0}):
        with pytest.raises(ValueError, match='weights'): Corrupt({'gaussian': (0, .5), 'blur': (0.5, 2)}, weights=bad)


def test_robust_model_on_noisy_validation_images(valid_files):
    "The robust model's accuracy on 400 noisy validation images (protocol of 03_noise) meets its bars."
    files = [f for f in valid_files if f.name.startswith('cat')][:200] + [f for f in valid_files if f.name.startswith('dog')][:200]
    x = np.stack([np.asarray(catdog.open_image(f)) for f in files])          # stored 200×200
    y = np.array([f.name.startswith('dog') for f in files], int)
    def acc(kind=None, level=None):
        "Accuracy of 'robust' through predict_many on corrupted copies."
        imgs = [corrupt_image(a, kind, level, seed=i) if kind else a for i, a in enumerate(x)]
        res = catdog.predict_many(imgs, model='robust', batch_size=200)
        return np.mean([catdog.CLASSES.index(r[0]) == t for r, t in zip(res, y)])
    clean, g3, g5 = acc(), acc('gaussian', 0.3), acc('gaussian', 0.5)
    print(f"robust on 400 validation images: clean {clean:.3f}, σ=0.3 {g3:.3f}, σ=0.5 {g5:.3f}")
    # the shipped model (24 epochs from the 176 px CNN: the noise mixture with AugMix, then standardising each image) measured
    # here 0.950 / 0.920 / 0.905 (03_noise measures it on all 2,000 validation images × 3 noise draws: 95.95%, 93.73%, 90.27%).
    # These floors, about a point under this sample's numbers, guard the shipped file: the clean CNN (56.2% at σ=0.3 in
    # 03_noise) or a broken fine-tune fails them
    assert clean >= 0.94 and g3 >= 0.91 and g5 >= 0.895
