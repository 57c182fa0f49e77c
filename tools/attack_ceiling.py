"""How far does stronger PGD go at ε = 2/255 on the shipped CNN? (diagnostic for issue 3)

40 seeded validation images (20 cats, 20 dogs) that `PredictPath` (flip TTA, float pixels) classifies correctly are
attacked with captum's PGD at several step counts and step sizes, at their stored 200×200 resolution and, for
comparison, already resized to the network's 128 px. Prints the share of them that each attack flips.

    OMP_NUM_THREADS=1 python tools/attack_ceiling.py      # about 40 minutes on one core of the 2-core CPU
"""
import time
import numpy as np, torch
import catdog
from catdog.attacks import PredictPath, attack, to_tensor_batch
from catdog.image import load_square
from catdog.noise import eval_sample

def flip_rate(m, x, y, eps, **kw) -> float:
    "Share of images in `x` whose flip-TTA prediction changes under `attack(..., eps, 'pgd', **kw)`."
    xa = attack(m, x, y, eps, 'pgd', **kw)
    with torch.no_grad(): return float((m(xa).argmax(1) != y).float().mean())

def main():
    "Run the grid and print one line per attack."
    torch.set_num_threads(1)
    m = PredictPath(catdog.load_model('cnn').eval(), quantise=False)
    x, y = eval_sample(200, seed=1)
    rs = np.random.RandomState(0); idx = np.concatenate([rs.permutation(np.flatnonzero(y == c))[:20] for c in (0, 1)])
    for res in (200, 128):
        xt = to_tensor_batch(x[idx] if res == 200 else np.stack([load_square(a, 128) for a in x[idx]]))
        yt = torch.as_tensor(y[idx])
        with torch.no_grad(): ok = m(xt).argmax(1) == yt
        xt, yt = xt[ok], yt[ok]; eps = 2 / 255
        for label, kw in [('10 steps, 2.5ε/10', dict(steps=10)), ('50 steps, 2.5ε/50', dict(steps=50)),
                          ('100 steps, ε/4', dict(steps=100, step_size=eps / 4)),
                          ('100 steps, ε/10, random start', dict(steps=100, step_size=eps / 10, random_start=True)),
                          ('200 steps, ε/8', dict(steps=200, step_size=eps / 8))]:
            t0 = time.time(); r = flip_rate(m, xt, yt, eps, **kw)
            print(f"{res} px, {len(yt)} images, PGD {label}: flips {r:.0%} ({time.time() - t0:.0f} s)", flush=True)

if __name__ == '__main__': main()
