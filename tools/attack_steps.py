"""Which PGD step size should `adversarial_example`'s borrowed-gradient tries take? (design check for issue 3)

96-odd photos of the *curve* half of the validation split (images 200-299 of `02_adversarial`'s 1,000-image sample, at their
stored 200×200 resolution; the bar of `02_adversarial` uses the other half) that the CNN classifies correctly are attacked at
ε = 2/255 through `EnsemblePath([cnn, cnn_ce])` with several step counts and sizes; each result is rounded to 8 bits (within
2 levels) and judged the way `catdog.predict` judges it (Pillow resize, flip TTA). Prints the share flipped per setting.

    python tools/attack_steps.py      # about 12 minutes on the 2-core CPU
"""
import time
import numpy as np, torch
import catdog
from catdog.attacks import EnsemblePath, PredictPath, attack, to_image, to_tensor_batch, _predict_log_probs
from catdog.data import cached_images, valid_mask


def main():
    "Run the grid and print one line per setting."
    imgs = cached_images(200); vidx = np.flatnonzero(valid_mask(imgs.names))
    ci = np.sort(np.random.RandomState(0).choice(vidx, 1000, replace=False))
    net, ce = catdog.load_model('cnn'), catdog.load_model('cnn_ce')
    xt, yt = to_tensor_batch(imgs.x[ci][200:300]), torch.as_tensor(imgs.y[ci][200:300])
    with torch.no_grad(): ok = PredictPath(net, quantise=False)(xt).argmax(1) == yt
    xt, yt, eps = xt[ok], yt[ok], 2 / 255
    ens = EnsemblePath([net, ce])
    for steps, size in [(50, None), (100, None), (200, None), (50, eps / 2), (100, eps / 4)]:
        t0 = time.time(); xa = attack(ens, xt, yt, eps, 'pgd', steps, step_size=size)
        flipped = np.mean([int(_predict_log_probs(net, to_image(xa[i:i + 1], xt[i:i + 1], 2)).argmax()) != int(yt[i]) for i in range(len(yt))])
        label = f"step {size * 255:.2f} levels" if size else f"default step 2.5·ε/{steps} = {2.5 * 2 / steps:.2f} levels"
        print(f"{len(yt)} photos, PGD {steps} steps, {label}: flips {flipped:.1%} ({time.time() - t0:.0f} s)", flush=True)


if __name__ == '__main__': main()
