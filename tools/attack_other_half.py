"""How well does `adversarial_example` do on photos that the bar of `02_adversarial` does not use? (check for issue 3)

The bar measures 50 cats + 50 dogs of the *held* half of the validation split. This takes the first 50 cats and 50 dogs of the
other half (the 1,000-image sample of the accuracy curves) that `predict` classifies correctly, and reports at ε = 2/255
(1) `fooling_rate` exactly as the bar computes it (8-bit PNG saved, reloaded, judged by `predict`), and
(2) a 100-step PGD batch attack through `EnsemblePath([cnn, cnn_ce])` in steps of ε/4, each photo rounded to 8 bits and judged
the same way: a longer attack than any of the function's tries, to tell a hard set of photos from a weak function.

    python tools/attack_other_half.py      # about 5 minutes on the 2-core CPU
"""
import numpy as np, torch
import catdog
from catdog.attacks import EnsemblePath, attack, fooling_rate, to_image, to_tensor, _predict_log_probs
from catdog.data import cached_images, find_images, valid_mask


def curve_half_photos() -> list:
    "The first 50 cats and 50 dogs of the curve half of the validation split that `predict` classifies correctly."
    files = find_images(); val = [f for f, v in zip(files, valid_mask([f.name for f in files])) if v]
    imgs = cached_images(128); vidx = np.flatnonzero(valid_mask(imgs.names))
    curve = {imgs.names[i] for i in np.random.RandomState(0).choice(vidx, 1000, replace=False)}   # as in 02_adversarial
    half = [f for f in val if f.name in curve]
    return [f for c in ('cat', 'dog') for f in [f for f in half if f.name.startswith(c) and catdog.predict(f)[0] == c][:50]]


def main():
    "Pick the photos, run both measurements, print one line each."
    photos = curve_half_photos()
    torch.manual_seed(0)
    r = fooling_rate(photos, 2/255)
    print(f"adversarial_example: fools predict on {r['fooled']} of {r['images']} photos (median {r['seconds_median']:.2f} s)", flush=True)
    net, eps = catdog.load_model('cnn'), 2/255
    x = torch.cat([to_tensor(catdog.open_image(f)) for f in photos]); y = torch.tensor([int(f.name.startswith('dog')) for f in photos])
    xa = attack(EnsemblePath([net, catdog.load_model('cnn_ce')]), x, y, eps, 'pgd', 100, step_size=eps / 4)
    flipped = sum(int(_predict_log_probs(net, to_image(xa[i:i + 1], x[i:i + 1], 2)).argmax()) != int(y[i]) for i in range(len(y)))
    print(f"100-step borrowed-gradient PGD (batch): flips {flipped} of {len(y)}", flush=True)


if __name__ == '__main__': main()
