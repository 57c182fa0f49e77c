"""Train a CatDogNet for photos from elsewhere: scale augmentation from the stored 200 px images, progressive resizing,
testing above the last training size. Writes runs/NAME/ (checkpoint per epoch) and results/generalise_NAME.json.

    python tools/generalise.py --name gen --epochs 40
    python tools/generalise.py --name student --width 0.7 --teacher models/robust.pt --alpha 0.9   # the same recipe, distilled
"""
from __future__ import annotations
import argparse, dataclasses, json, os, time
from pathlib import Path
import numpy as np, torch
from fastai.vision.all import *
from catdog.data import cached_images, valid_mask, ResizeBatch, CLASSES, PROJECT, N_VALID, label_of
from catdog.models import NetConfig, CatDogNet, n_params
from catdog.image import load_square
from catdog import load_model
from catdog.distill import KnowledgeDistillation
from catdog.train import BF16, EpochCheckpoint, EpochHistory, predict_arrays, save_shipped
from catdog import atomic_write

class ProgressiveSize(Callback):
    "Set the training resolution of each epoch: `sizes[epoch]` for the affine step, 1.5× that (≤ 200) for the antialiased pre-resize."
    order = 0
    def __init__(self, sizes: list[int], affine, pre):
        "`sizes`: one side per epoch; `affine`: fastai's composed affine transform; `pre`: the `ResizeBatch` before it."
        self.sizes, self.affine, self.pre = sizes, affine, pre
    def before_epoch(self):
        "Resize this epoch's batches to its side."
        s = self.sizes[min(self.epoch, len(self.sizes) - 1)]
        self.affine.size = (s, s); self.pre.size = min(200, round(1.5 * s))

def oxford(size: int, root=PROJECT.parent/'shared'/'data'/'oxford-dev'):
    "oxford-dev decoded to `size` (as `predict` sees files): arrays, labels, breeds."
    files = sorted(Path(root).glob('*/*.jpg'))
    x = np.stack([load_square(f, size) for f in files])
    y = np.array([CLASSES.index(label_of(f)) for f in files])
    breeds = [f.stem.rsplit('_', 1)[0] for f in files]
    return x, y, breeds

def evaluate(net, sizes=(128, 144, 160)) -> dict:
    "Validation and oxford-dev accuracy (flip TTA) with the model resizing inputs to each test side."
    out = {}
    cfg = net.cfg
    for s in sizes:
        net.cfg = dataclasses.replace(cfg, size=s)
        v = cached_images(s); m = valid_mask(v.names)
        pv = predict_arrays(net, v.x[m]).argmax(1).numpy(); acc_v = float((pv == v.y[m]).mean())
        x, y, _ = oxford(s); po = predict_arrays(net, x).argmax(1).numpy()
        out[s] = dict(valid=acc_v, oxford=float((po == y).mean()), oxford_cat=float((po[y == 0] == 0).mean()),
                      oxford_dog=float((po[y == 1] == 1).mean()))
        print(s, out[s], flush=True)
    net.cfg = cfg
    return out

WD, BS = 0.05, 64   # AdamW weight decay and batch size of the recipe
AUGMENTATION = ('per image: zoom-in crop up to max_zoom at a random position, rotation <= 10 deg, perspective warp 0.1, '
                'brightness/contrast 0.3 (p 0.75), saturation 0.3 (p 0.5), flip; antialiased pre-resize to 1.5x the epoch size from the stored 200 px')

def ap_defaults() -> dict:
    "The command line's default values (so the recorded recipe lists only what differs)."
    return vars(parser().parse_args([]))

def parser() -> argparse.ArgumentParser:
    "The command line."
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--name', default='gen'); ap.add_argument('--epochs', type=int, default=40)
    ap.add_argument('--sizes', default='96:0.3,112:0.3,128:0.4', help='side:fraction of epochs, in order')
    ap.add_argument('--test-size', type=int, default=144); ap.add_argument('--max-zoom', type=float, default=1.6)
    ap.add_argument('--lr', type=float, default=3e-3); ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--width', type=float, default=1.0); ap.add_argument('--resume', action='store_true')
    ap.add_argument('--ship', default='', help='also write the model at the test side of best validation accuracy as SHIP.pt|json (path without suffix)')
    ap.add_argument('--eval-sizes', default='128,144,160', help='test sides to evaluate at, comma-separated')
    ap.add_argument('--teacher', default='', help='distil from this shipped model (catdog.distill.KnowledgeDistillation; it sees each batch resized to its own side)')
    ap.add_argument('--T', type=float, default=4.0, help='distillation temperature'); ap.add_argument('--alpha', type=float, default=0.9, help='weight of the soft loss')
    return ap

def main():
    "Train, evaluate, write the results file (and the model with `--ship`)."
    a = parser().parse_args()
    set_seed(a.seed, reproducible=True); torch.set_num_threads(os.cpu_count() or 2)
    sizes = []
    for part in a.sizes.split(','):
        s, f = part.split(':'); sizes += [int(s)] * round(float(f) * a.epochs)
    sizes = (sizes + [sizes[-1]] * a.epochs)[:a.epochs]
    imgs = cached_images(200); valid = valid_mask(imgs.names)
    pre = ResizeBatch(min(200, round(1.5 * sizes[0])))
    augs = aug_transforms(max_rotate=10, min_zoom=1.0, max_zoom=a.max_zoom, max_lighting=0.3, max_warp=0.1,
                          p_affine=0.85, size=sizes[0])
    to_img = lambda i: TensorImage(torch.from_numpy(np.array(imgs.x[i])).permute(2, 0, 1))
    db = DataBlock(blocks=(TransformBlock(type_tfms=to_img), CategoryBlock(vocab=CLASSES)),
                   get_y=lambda i: CLASSES[imgs.y[i]], splitter=IndexSplitter(np.flatnonzero(valid)),
                   batch_tfms=[IntToFloatTensor(), pre, *augs, Saturation(max_lighting=0.3, p=0.5)])
    dls = db.dataloaders(range(len(imgs)), bs=BS, num_workers=0)
    cfg = NetConfig(size=a.test_size).scaled(a.width)
    model = CatDogNet(cfg)
    run = PROJECT/'runs'/a.name; run.mkdir(parents=True, exist_ok=True)
    ck = EpochCheckpoint(run/'last', a.resume)
    kd = [KnowledgeDistillation(load_model(Path(a.teacher)), a.T, a.alpha)] if a.teacher else []
    learn = Learner(dls, model, loss_func=LabelSmoothingCrossEntropyFlat(eps=0.1), metrics=accuracy,
                    opt_func=partial(Adam, wd=WD), path=run,
                    cbs=[ChannelsLast(), BF16(), ck, ProgressiveSize(sizes, augs[0], pre), EpochHistory(run/'history.csv', ck.start), *kd])
    print('sizes', sizes, 'params', n_params(model), flush=True)
    t0 = time.time()
    with learn.no_bar(): learn.fit_one_cycle(a.epochs, a.lr, start_epoch=ck.start)
    minutes = (time.time() - t0) / 60
    net = learn.model.eval().to(memory_format=torch.contiguous_format)
    res = dict(name=a.name, args=vars(a), sizes=sizes, minutes=round(minutes, 1), params=n_params(net), eval=evaluate(net, tuple(int(v) for v in a.eval_sizes.split(','))))
    with atomic_write(PROJECT/'results'/f'generalise_{a.name}.json') as tmp: tmp.write_text(json.dumps(res, indent=1))
    with atomic_write(run/'final.pt') as tmp: torch.save(net.state_dict(), tmp)
    if a.ship: ship(net, a, res, Path(a.ship))
    print(json.dumps(res), flush=True)

def ship(net, a, res: dict, path: Path) -> dict:
    "Write `net` as `path`.pt|json at the test side with the best validation accuracy (never chosen on oxford-dev), its card recording the recipe and every measurement."
    side = max(res['eval'], key=lambda s: res['eval'][s]['valid'])
    ev = res['eval'][side]
    shipped = CatDogNet(dataclasses.replace(net.cfg, size=int(side))); shipped.load_state_dict(net.state_dict())
    default = ap_defaults()
    args = ' '.join(f"--{k.replace('_', '-')} {v}" for k, v in vars(a).items() if k not in ('resume', 'ship') and v != default.get(k))
    kd = dict(teacher=Path(a.teacher).stem, T=a.T, alpha=a.alpha, distilled_on='clean images (the recipe\'s augmentation, no noise)') if a.teacher else {}
    return save_shipped(shipped, path, valid_accuracy=ev['valid'], valid_images=int(N_VALID), oxford_dev_accuracy=ev['oxford'],
                        oxford_dev_cat=ev['oxford_cat'], oxford_dev_dog=ev['oxford_dog'], oxford_dev_images=1000,
                        test_size_choice=f"{side} px: the best validation accuracy of the test sides measured ("
                                         + ', '.join(f"{s}: {100 * e['valid']:.2f}%" for s, e in res['eval'].items()) + ')',
                        epochs=a.epochs, train_sizes=res['sizes'], lr=a.lr, wd=WD, bs=BS, seed=a.seed, max_zoom=a.max_zoom,
                        train_minutes=res['minutes'], recipe=f"python tools/generalise.py {args}".strip(),
                        augmentation=AUGMENTATION, data='Kaggle dogs-vs-cats train.zip (22,500 images at 200x200)', **kd)

if __name__ == '__main__': main()
