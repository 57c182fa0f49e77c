"""catdog: classify a photo as cat or dog. One-file predictor generated from the catdog notebooks
(nbs/00a_image, nbs/01a_models, nbs/06_predict) by `catdog.write_standalone()`: do not edit.

Usage: python catdog.py IMAGE...   or   import catdog; catdog.predict(path)
"""
from __future__ import annotations

# %% ../nbs/00a_image.ipynb #c003
import warnings
from pathlib import Path
from typing import Union
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError


# %% ../nbs/00a_image.ipynb #c006
class InvalidImageError(ValueError):
    "The input is not a readable image; the message names the file and the cause."

ImageLike = Union[str, Path, Image.Image, np.ndarray]
MAX_PIXELS = 64_000_000  # refuse larger images before decoding them (decompression bombs)


# %% ../nbs/00a_image.ipynb #c008
def _flatten(img: Image.Image) -> Image.Image:
    "Composite transparency on white, scale 16-bit and float images to 8 bits, and return RGB."
    if img.mode == 'P' and 'transparency' in img.info: img = img.convert('RGBA')
    if img.mode in ('RGBA', 'LA', 'PA', 'La', 'RGBa'):
        img = img.convert('RGBA')
        bg = Image.new('RGBA', img.size, (255, 255, 255, 255))
        return Image.alpha_composite(bg, img).convert('RGB')
    if img.mode.startswith('I') or img.mode == 'F':
        a = np.asarray(img, dtype=np.float32)
        # 16-bit data spans 0..65535, float data 0..1; 8-bit data in an 'I' container is left alone
        scale = 1 / 257 if (img.mode.startswith('I;16') or a.max() > 255) else (255. if a.max() <= 1 else 1.)
        img = Image.fromarray(np.clip(a * scale + 0.5, 0, 255).astype(np.uint8))
    return img.convert('RGB')


# %% ../nbs/00a_image.ipynb #c009
def _from_array(a: np.ndarray, name: str = 'array') -> Image.Image:
    "An RGB image from an H×W, H×W×3 or H×W×4 uint8 array; anything else is an `InvalidImageError`."
    if a.dtype != np.uint8: raise InvalidImageError(f"{name}: expected a uint8 array, got dtype {a.dtype}")
    if a.ndim == 2 or (a.ndim == 3 and a.shape[2] in (3, 4)) and min(a.shape[:2]) > 0:
        return _flatten(Image.fromarray(np.ascontiguousarray(a)))
    raise InvalidImageError(f"{name}: expected an H×W×3 image array, got shape {a.shape}")


# %% ../nbs/00a_image.ipynb #c010
def open_image(src: ImageLike, # a path, a PIL image, or an H×W×3 uint8 array
               draft: int | None = None, # for JPEGs: let the decoder shrink to about this size (speed)
              ) -> Image.Image:
    "Open `src` as an RGB `PIL.Image` (EXIF rotation applied, first frame of an animation)."
    if isinstance(src, np.ndarray): return _from_array(src)
    if isinstance(src, Image.Image): img, name = src, 'PIL image'
    elif isinstance(src, (str, Path)):
        path = Path(src); name = str(path)
        if not path.exists(): raise FileNotFoundError(f"{name}: no such file")
        if path.is_dir(): raise InvalidImageError(f"{name}: is a directory, not an image file")
        if path.stat().st_size == 0: raise InvalidImageError(f"{name}: the file is empty")
        try: img = Image.open(path)
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as e:
            raise InvalidImageError(f"{name}: not a readable image ({e})") from None
    else: raise InvalidImageError(f"expected a path, PIL image or numpy array, got {type(src).__name__}")
    return _decode(img, name, draft)


# %% ../nbs/00a_image.ipynb #c012
def _decode(img: Image.Image, name: str, draft: int | None) -> Image.Image:
    "Decode `img` fully, guarding size and decoder errors, and return it as RGB."
    w, h = img.size
    if w * h > MAX_PIXELS: raise InvalidImageError(f"{name}: {w}×{h} pixels is over the {MAX_PIXELS:,} limit (decompression bomb?)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('error', Image.DecompressionBombWarning)
            if getattr(img, 'n_frames', 1) > 1: img.seek(0)  # animated: the first frame
            if draft and img.format == 'JPEG': img.draft('RGB', (draft, draft))
            img.load()
            img = ImageOps.exif_transpose(img)
            return _flatten(img)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise InvalidImageError(f"{name}: cannot decode image ({e})") from None


# %% ../nbs/00a_image.ipynb #c018
def to_square(img: Image.Image, size: int) -> Image.Image:
    "Resize (squash) `img` to `size`×`size` with Pillow's antialiased bilinear filter."
    return img if img.size == (size, size) else img.resize((size, size), Image.BILINEAR)

def load_square(src: ImageLike, size: int) -> np.ndarray:
    "Open `src` and return it as a `size`×`size`×3 uint8 array: the one preprocessing of training and prediction."
    return np.asarray(to_square(open_image(src, draft=size), size))


# %% ../nbs/01a_models.ipynb #c003
from dataclasses import dataclass, asdict, field
import torch, torch.nn as nn, torch.nn.functional as F


# %% ../nbs/01a_models.ipynb #c006
@dataclass
class NetConfig:
    "Architecture of a catdog CNN; a shipped model's card stores it, so the model can be rebuilt without pickles."
    widths: tuple = (32, 64, 128, 256)  # channels of the four stages (resolution 1/4, 1/8, 1/16, 1/32 of the input)
    depths: tuple = (1, 2, 2, 1)        # residual blocks per stage
    stem: int = 24                      # channels of the two stride-2 stem convolutions
    size: int = 128                     # input side in pixels; other sizes are resized inside the model
    residual: bool = True               # False builds the plain VGG-style ablation (same layers, no shortcuts)
    mean: tuple = (0.485, 0.456, 0.406) # per-channel input normalisation, applied inside the model
    std: tuple = (0.229, 0.224, 0.225)

    def scaled(self, width: float) -> NetConfig:
        "The same network with every channel count multiplied by `width` (rounded to a multiple of 8)."
        r = lambda c: max(8, int(round(c * width / 8)) * 8)
        return NetConfig(**{**asdict(self), 'widths': tuple(r(w) for w in self.widths), 'stem': r(self.stem)})

    @classmethod
    def from_dict(cls, d: dict) -> NetConfig:
        "Rebuild a config from its JSON form (lists become tuples, unknown keys are an error)."
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})


# %% ../nbs/01a_models.ipynb #c009
def conv_bn(ci: int, co: int, stride: int = 1, relu: bool = True) -> nn.Sequential:
    "3×3 convolution (no bias: batch-norm has one) → batch-norm → optional ReLU."
    layers = [nn.Conv2d(ci, co, 3, stride, 1, bias=False), nn.BatchNorm2d(co)]
    return nn.Sequential(*layers, nn.ReLU(inplace=True)) if relu else nn.Sequential(*layers)


# %% ../nbs/01a_models.ipynb #c010
class ResBlock(nn.Module):
    "Two 3×3 conv-bn layers plus a shortcut (`residual=False` drops the shortcut: a plain VGG block)."
    def __init__(self, ci: int, co: int, stride: int = 1, residual: bool = True):
        "A block from `ci` to `co` channels with `stride`; the shortcut is average pooling and a 1×1 conv-bn where the shape changes (none if not `residual`)."
        super().__init__()
        self.convs = nn.Sequential(conv_bn(ci, co, stride), conv_bn(co, co, relu=False))
        nn.init.zeros_(self.convs[-1][1].weight) if residual else None  # identity at init
        self.residual = residual
        self.shortcut = (nn.Identity() if ci == co and stride == 1 else
                         nn.Sequential(nn.AvgPool2d(stride) if stride > 1 else nn.Identity(),
                                       nn.Conv2d(ci, co, 1, bias=False), nn.BatchNorm2d(co))) if residual else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        "relu(convs(x) + shortcut(x))"
        y = self.convs(x)
        return F.relu(y + self.shortcut(x) if self.residual else y)


# %% ../nbs/01a_models.ipynb #c012
class CatDogNet(nn.Module):
    "A residual CNN for cats vs dogs: 0–1 RGB pixels (any size) in, two logits (cat, dog) out."
    def __init__(self, cfg: NetConfig = NetConfig()):
        "Build the network that `cfg` describes."
        super().__init__()
        self.cfg = cfg
        self.register_buffer('mean', torch.tensor(cfg.mean).view(1, 3, 1, 1))
        self.register_buffer('std', torch.tensor(cfg.std).view(1, 3, 1, 1))
        self.stem = nn.Sequential(conv_bn(3, cfg.stem, 2), conv_bn(cfg.stem, cfg.stem, 2))
        stages, ci = [], cfg.stem
        for i, (w, d) in enumerate(zip(cfg.widths, cfg.depths)):
            blocks = [ResBlock(ci if j == 0 else w, w, 2 if (i > 0 and j == 0) else 1, cfg.residual) for j in range(d)]
            stages.append(nn.Sequential(*blocks)); ci = w
        self.stages = nn.Sequential(*stages)   # stages[-1] is the last conv block (Grad-CAM's layer)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(ci, 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        "Logits for a batch `x` of 0–1 pixels, shape B×3×H×W."
        if x.shape[-2:] != (self.cfg.size, self.cfg.size):
            x = F.interpolate(x, size=(self.cfg.size, self.cfg.size), mode='bilinear', antialias=True, align_corners=False)
        x = (x - self.mean) / self.std                 # B×3×S×S, normalised
        return self.head(self.stages(self.stem(x)))     # B×2


# %% ../nbs/01a_models.ipynb #c013
def n_params(model: nn.Module) -> int:
    "Number of trainable parameters."
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


# %% ../nbs/01a_models.ipynb #c016
def cost_table(cfg: NetConfig = NetConfig()) -> list[dict]:
    "Per part of the network: output shape, parameters and multiply-adds (MACs) for one image."
    net, rows, x = CatDogNet(cfg).eval(), [], torch.zeros(1, 3, cfg.size, cfg.size)
    for name, part in [('stem', net.stem)] + [(f'stage{i+1}', s) for i, s in enumerate(net.stages)] + [('head', net.head)]:
        macs = 0
        def hook(m, i, o):
            "Count the MACs of one conv or linear layer."
            nonlocal macs
            macs += (m.weight.numel() * (o.shape[-1] * o.shape[-2] if o.dim() == 4 else 1))
        hs = [m.register_forward_hook(hook) for m in part.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
        with torch.no_grad(): x = part(x)
        for h in hs: h.remove()
        rows.append(dict(part=name, out_shape=tuple(x.shape[1:]), params=n_params(part), MMACs=round(macs / 1e6, 1)))
    return rows


# %% ../nbs/06_predict.ipynb #c003
import functools, json, os, sys, warnings
from pathlib import Path
import numpy as np, torch

__version__ = '0.1.0'


# %% ../nbs/06_predict.ipynb #c005
MODEL_NAMES = ('cnn', 'robust', 'student')  # shipped models, in the order they were built
DEFAULT_MODEL = 'cnn'                       # what `predict` uses when `model` is None
CLASSES = ('cat', 'dog')                    # output index → label

def _here() -> Path:
    "Folder of this file (in its notebook, which has no `__file__`: the installed catdog package)."
    try: return Path(__file__).resolve().parent
    except NameError: import catdog; return Path(catdog.__file__).resolve().parent

def _model_dirs() -> list[Path]:
    "Folders searched for shipped models, in order."
    here = _here()
    env = [Path(os.environ['CATDOG_MODELS'])] if os.environ.get('CATDOG_MODELS') else []
    return env + [here/'models', here, here.parent/'models']

def model_path(name: str | Path | None = None) -> Path:
    "Path (without suffix) of shipped model `name` (a name like 'cnn', or a path to its .pt/.json file)."
    name = name or DEFAULT_MODEL
    p = Path(name)
    if p.suffix in ('.pt', '.json') and p.with_suffix('.json').exists(): return p.with_suffix('')
    for d in _model_dirs():
        if (d/f"{name}.json").exists() and (d/f"{name}.pt").exists(): return d/str(name)
    raise FileNotFoundError(f"model {name!r} not found in {', '.join(map(str, _model_dirs()))}; shipped: {', '.join(MODEL_NAMES)}")


# %% ../nbs/06_predict.ipynb #c006
def model_card(name: str | Path | None = None) -> dict:
    "The JSON model card of shipped model `name`: config, accuracy, data, training time, commit."
    return json.loads(model_path(name).with_suffix('.json').read_text())

@functools.lru_cache(maxsize=8)
def load_model(name: str | Path | None = None) -> CatDogNet:
    "Shipped model `name` in eval mode, built from its card and loaded with `weights_only=True` (cached)."
    p = model_path(name)
    net = CatDogNet(NetConfig.from_dict(model_card(p)['config']))
    net.load_state_dict(torch.load(p.with_suffix('.pt'), map_location='cpu', weights_only=True))
    return net.eval().to(memory_format=torch.channels_last)


# %% ../nbs/06_predict.ipynb #c009
_SMALL = None  # a one-thread worker for small batches, created on first use

def _forward(net: CatDogNet, x: torch.Tensor) -> torch.Tensor:
    "Softmax of `net` on batch `x`, without autograd."
    with torch.inference_mode(): return net(x).softmax(1)

def _probs(net: CatDogNet, arrays: list[np.ndarray]) -> torch.Tensor:
    "Flip-TTA probabilities (N×2) for a list of S×S×3 uint8 arrays: images and mirrors in one forward pass."
    global _SMALL
    x = torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).float().div_(255)
    x = torch.cat([x, x.flip(3)]).contiguous(memory_format=torch.channels_last)
    if len(arrays) > 4: p = _forward(net, x)
    else:
        # A few images are too little work to split between threads: on a busy 2-core machine the thread
        # hand-offs cost far more than the convolutions. They run on a worker thread limited to one
        # intra-op thread (a per-thread setting), so the caller's own torch settings are untouched.
        if _SMALL is None:
            from concurrent.futures import ThreadPoolExecutor
            _SMALL = ThreadPoolExecutor(1, initializer=torch.set_num_threads, initargs=(1,))
        p = _SMALL.submit(_forward, net, x).result()
    return (p[:len(arrays)] + p[len(arrays):]) / 2

def _result(p: torch.Tensor) -> tuple[str, float]:
    "(label, probability of that label) from a probability pair."
    i = int(p.argmax())
    return CLASSES[i], float(p[i])


# %% ../nbs/06_predict.ipynb #c010
def predict(image: ImageLike,   # path (str or Path), PIL image, or H×W×3 uint8 array
            model: str | None = None, # shipped model name ('cnn', 'robust', 'student'); None: the default
           ) -> tuple[str, float]:
    "Classify one image: ('cat' or 'dog', probability of that label). Unreadable input raises `InvalidImageError`."
    net = load_model(model)
    return _result(_probs(net, [load_square(image, net.cfg.size)])[0])


# %% ../nbs/06_predict.ipynb #c013
class Predictions(list):
    "A list of (label, probability) tuples, `None` where an input failed; `errors` maps those indices to the cause."
    def __init__(self, items=(), errors: dict | None = None):
        "The results `items` in input order, and `errors`: index → the cause of each failure."
        super().__init__(items); self.errors = errors or {}


# %% ../nbs/06_predict.ipynb #c014
def predict_many(images: list,            # paths, PIL images or arrays
                 model: str | None = None, # shipped model name
                 batch_size: int = 64,    # images per forward pass
                 errors: str = 'report',  # 'report': None + `errors` entry for a bad input; 'raise': raise
                ) -> Predictions:
    "Classify many images; one unreadable input does not lose the others (see `Predictions`)."
    net, images = load_model(model), list(images)
    out, errs = Predictions([None] * len(images)), {}
    for start in range(0, len(images), batch_size):
        arrays, idx = [], []
        for i in range(start, min(start + batch_size, len(images))):
            try: arrays.append(load_square(images[i], net.cfg.size)); idx.append(i)
            except (InvalidImageError, FileNotFoundError) as e:
                if errors == 'raise': raise
                errs[i] = str(e); warnings.warn(f"skipped: {e}")
        if arrays:
            for i, p in zip(idx, _probs(net, arrays)): out[i] = _result(p)
    out.errors = errs
    return out


# %% ../nbs/06_predict.ipynb #c021
IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.gif', '.bmp', '.webp', '.tif', '.tiff', '.jfif')

def expand_paths(paths: list) -> list[str]:
    "Paths with every folder replaced by the image files inside it (sorted, recursive)."
    out = []
    for p in map(Path, paths):
        out += sorted(str(f) for f in p.rglob('*') if f.suffix.lower() in IMAGE_SUFFIXES) if p.is_dir() else [str(p)]
    return out

def main(argv: list[str] | None = None) -> int:
    "Command line: `python catdog.py [--model NAME] FILE_OR_FOLDER...` prints `FILE<TAB>label<TAB>probability`."
    import argparse
    ap = argparse.ArgumentParser(prog='catdog.py', description='Classify images as cat or dog.')
    ap.add_argument('files', nargs='+', help='image files or folders of images')
    ap.add_argument('--model', default=None, help=f"shipped model name or path to its .pt file (default: {DEFAULT_MODEL})")
    args = ap.parse_args(argv)
    try: load_model(args.model)
    except FileNotFoundError as e: print(f"error: {e}", file=sys.stderr); return 2
    files = expand_paths(args.files)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        res = predict_many(files, model=args.model)
    for i, (f, r) in enumerate(zip(files, res)):
        if r: print(f"{f}\t{r[0]}\t{r[1]:.4f}")
        else: print(f"error: {res.errors[i]}", file=sys.stderr)
    return 1 if res.errors else 0


if __name__ == '__main__': sys.exit(main())
