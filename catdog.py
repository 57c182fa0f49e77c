"""catdog: classify a photo as cat or dog. One-file predictor generated from the catdog notebooks
(nbs/00a_image, nbs/01a_models, nbs/06_predict) by `catdog.write_standalone()`: do not edit.

Usage: python catdog.py IMAGE...   or   import catdog; catdog.predict(path)
Runs on PyTorch, or on ONNX Runtime + numpy + Pillow alone where torch is not installed ($CATDOG_BACKEND chooses).
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
    "An RGB image from an H×W, H×W×3 or H×W×4 uint8 array with no empty side; anything else is an `InvalidImageError`."
    if a.dtype != np.uint8: raise InvalidImageError(f"{name}: expected a uint8 array, got dtype {a.dtype}")
    if (a.ndim == 2 or (a.ndim == 3 and a.shape[2] in (3, 4))) and min(a.shape[:2]) > 0:
        return _flatten(Image.fromarray(np.ascontiguousarray(a)))
    raise InvalidImageError(f"{name}: expected an H×W×3 image array with no empty side, got shape {a.shape}")


# %% ../nbs/00a_image.ipynb #c010
def open_image(src: ImageLike, # a path, a PIL image, or an H×W×3 uint8 array
              ) -> Image.Image:
    "Open `src` as an RGB `PIL.Image`, decoded in full (EXIF rotation applied, first frame of an animation, transparency on white)."
    if isinstance(src, np.ndarray): return _from_array(src)
    if isinstance(src, Image.Image): img, name = src, 'PIL image'
    elif isinstance(src, (str, Path)):
        path = Path(src); name = str(path)
        if not path.exists(): raise FileNotFoundError(f"{name}: no such file")
        if path.is_dir(): raise InvalidImageError(f"{name}: is a directory, not an image file")
        if path.stat().st_size == 0: raise InvalidImageError(f"{name}: the file is empty")
        try: img = Image.open(path)
        except PermissionError: raise InvalidImageError(f"{name}: permission denied (the file cannot be read)") from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as e:
            raise InvalidImageError(f"{name}: not a readable image ({e})") from None
    else: raise InvalidImageError(f"expected a path, PIL image or numpy array, got {type(src).__name__}")
    return _decode(img, name)


# %% ../nbs/00a_image.ipynb #c012
def _decode(img: Image.Image, name: str) -> Image.Image:
    "Decode `img` fully, guarding size and decoder errors, and return it as RGB."
    w, h = img.size
    if w * h > MAX_PIXELS: raise InvalidImageError(f"{name}: {w}×{h} pixels is over the {MAX_PIXELS:,} limit (decompression bomb?)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('error', Image.DecompressionBombWarning)
            if getattr(img, 'n_frames', 1) > 1: img.seek(0)  # animated or multi-page: the first frame
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
    "Open `src` and return it as a `size`×`size`×3 uint8 array: the one preprocessing of training and prediction (a path, a PIL image and an array of the same pixels give the same square)."
    return np.asarray(to_square(open_image(src), size))

def to_batch(squares: np.ndarray | list) -> np.ndarray:
    "The network's input from uint8 images (an N×H×W×3 array or a list of H×W×3 arrays): float32 N×3×H×W, pixels 0–1 (numpy only, no torch)."
    a = squares if isinstance(squares, np.ndarray) else np.stack(squares)
    if a.dtype != np.uint8 or a.ndim != 4 or a.shape[-1] != 3: raise ValueError(f"expected uint8 N×H×W×3 images, got {a.dtype} {a.shape}")
    x = a.transpose(0, 3, 1, 2).astype(np.float32, order='C')
    x /= 255
    return x


# %% ../nbs/06_predict.ipynb #c003
import contextlib, functools, hashlib, importlib.util, json, math, os, sys, threading, types, warnings, zipfile
from pathlib import Path
from typing import Callable, Iterator
import numpy as np

__version__ = "0.1.0"


# %% ../nbs/06_predict.ipynb #c003b
BACKENDS = ('torch', 'onnx')  # the engines that can run a shipped model

def _backend() -> str:
    "The engine that runs the network: `$CATDOG_BACKEND` ('torch' or 'onnx') when set, else PyTorch where it is installed, else ONNX Runtime."
    b = os.environ.get('CATDOG_BACKEND', '').strip().lower() or ('torch' if importlib.util.find_spec('torch') else 'onnx')
    if b not in BACKENDS: raise ImportError(f"$CATDOG_BACKEND: expected one of {', '.join(BACKENDS)}, got {b!r}")
    return b

BACKEND = _backend()  # read once, at import


# %% ../nbs/01a_models.ipynb #c003
if BACKEND == 'torch':
    from dataclasses import dataclass, asdict, field
    import torch, torch.nn as nn, torch.nn.functional as F


# %% ../nbs/01a_models.ipynb #c006
if BACKEND == 'torch':
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
        standardise: bool = False           # True: normalise each image by its own per-channel mean and std instead (blind to global contrast and brightness)

        def scaled(self, width: float) -> NetConfig:
            "The same network with every channel count multiplied by `width` (rounded to a multiple of 8)."
            r = lambda c: max(8, int(round(c * width / 8)) * 8)
            return NetConfig(**{**asdict(self), 'widths': tuple(r(w) for w in self.widths), 'stem': r(self.stem)})

        @classmethod
        def from_dict(cls, d: dict) -> NetConfig:
            "Rebuild a config from its JSON form (lists become tuples, unknown keys are an error)."
            return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})


# %% ../nbs/01a_models.ipynb #c009
if BACKEND == 'torch':
    def conv_bn(ci: int, co: int, stride: int = 1, relu: bool = True) -> nn.Sequential:
        "3×3 convolution (no bias: batch-norm has one) → batch-norm → optional ReLU."
        layers = [nn.Conv2d(ci, co, 3, stride, 1, bias=False), nn.BatchNorm2d(co)]
        return nn.Sequential(*layers, nn.ReLU(inplace=True)) if relu else nn.Sequential(*layers)


# %% ../nbs/01a_models.ipynb #c010
if BACKEND == 'torch':
    class ResBlock(nn.Module):
        "Two 3×3 conv-bn layers plus a shortcut (`residual=False` drops the shortcut: a plain VGG block)."
        def __init__(self, ci: int, co: int, stride: int = 1, residual: bool = True):
            "A block from `ci` to `co` channels with `stride`; the shortcut is average pooling (rounding up, like the strided conv, so any input side works) and a 1×1 conv-bn where the shape changes (none if not `residual`)."
            super().__init__()
            self.convs = nn.Sequential(conv_bn(ci, co, stride), conv_bn(co, co, relu=False))
            nn.init.zeros_(self.convs[-1][1].weight) if residual else None  # identity at init
            self.residual = residual
            self.shortcut = (nn.Identity() if ci == co and stride == 1 else
                             nn.Sequential(nn.AvgPool2d(stride, ceil_mode=True) if stride > 1 else nn.Identity(),
                                           nn.Conv2d(ci, co, 1, bias=False), nn.BatchNorm2d(co))) if residual else None

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            "relu(convs(x) + shortcut(x))"
            y = self.convs(x)
            return F.relu(y + self.shortcut(x) if self.residual else y)


# %% ../nbs/01a_models.ipynb #c012
if BACKEND == 'torch':
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
            "Logits for a batch `x` of 0–1 pixels, shape B×3×H×W; in eval mode any H×W is resized to `cfg.size` first."
            if not self.training and x.shape[-2:] != (self.cfg.size, self.cfg.size):  # training sees its batches as they are (progressive resizing)
                x = F.interpolate(x, size=(self.cfg.size, self.cfg.size), mode='bilinear', antialias=True, align_corners=False)
            if self.cfg.standardise:                       # each image by its own statistics: c·(x − m) + m gives the same result for any c > 0
                x = (x - x.mean((2, 3), keepdim=True)) / (x.std((2, 3), keepdim=True) + 1e-3)
            else: x = (x - self.mean) / self.std           # B×3×S×S, normalised by fixed per-channel constants
            return self.head(self.stages(self.stem(x)))     # B×2


# %% ../nbs/01a_models.ipynb #c013
if BACKEND == 'torch':
    def n_params(model: nn.Module) -> int:
        "Number of trainable parameters."
        return sum(p.numel() for p in model.parameters() if p.requires_grad)


# %% ../nbs/01a_models.ipynb #c016
if BACKEND == 'torch':
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


# %% ../nbs/06_predict.ipynb #c003t
if BACKEND == 'torch':
    # torch only: the PyTorch engine (the one-file catdog.py runs the cells marked so only when BACKEND is 'torch')
    import torch, torch.nn as nn


# %% ../nbs/06_predict.ipynb #c005
MODEL_NAMES = ('cnn', 'robust', 'student')  # shipped models, in the order they were built
DEFAULT_MODEL = 'cnn'                       # what `predict` uses when `model` is None
CLASSES = ('cat', 'dog')                    # output index → label
CARD_FIELDS = ('config', 'sha256')          # what `load_model` needs from a model card

class ModelLoadError(Exception):
    "A model cannot be loaded; the message names the file and what is wrong (missing, truncated, checksum mismatch, card without a field)."

class ModelNotFoundError(ModelLoadError, FileNotFoundError):
    "No model card of that name in any of the model folders (also a `FileNotFoundError`)."

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
    "Path (without suffix) of model `name`: a shipped name like 'cnn' (found by its card `cnn.json` in `$CATDOG_MODELS`, the package or the repository's models/), or a path to a model's .pt, .onnx or .json file."
    name = name or DEFAULT_MODEL
    p = Path(name)
    if p.suffix in ('.pt', '.json', '.onnx'): return p.with_suffix('')
    for d in _model_dirs():
        if (d/f"{name}.json").exists(): return d/str(name)
    raise ModelNotFoundError(f"model {str(name)!r} not found in {', '.join(map(str, _model_dirs()))}; shipped: {', '.join(MODEL_NAMES)}")


# %% ../nbs/06_predict.ipynb #c006
def model_card(name: str | Path | None = None) -> dict:
    "The JSON model card of model `name`: config, the weights' SHA-256, accuracy, data, training time, commit. A missing or unreadable card, or one without a field of `CARD_FIELDS`, is a `ModelLoadError` naming it."
    return _read_card(model_path(name))

def _read_card(p: Path) -> dict:
    "The card `p`.json of the model at `p` (a path without suffix), checked as `model_card` says."
    f = Path(f"{p}.json")
    try: card = json.loads(f.read_text())
    except FileNotFoundError: raise ModelLoadError(f"{f}: model card missing") from None
    except (OSError, ValueError) as e: raise ModelLoadError(f"{f}: model card unreadable ({e})") from None
    if not isinstance(card, dict): raise ModelLoadError(f"{f}: model card is not a JSON object")
    if missing := [k for k in CARD_FIELDS if k not in card]: raise ModelLoadError(f"{f}: model card has no {' or '.join(missing)} field")
    return card

def file_sha256(path: str | Path) -> str:
    "SHA-256 of a file's bytes, in hex (what a model card's `sha256` field holds for its weights)."
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''): h.update(block)
    return h.hexdigest()


# %% ../nbs/06_predict.ipynb #c006t
if BACKEND == 'torch':
    # torch only
    @functools.lru_cache(maxsize=8)
    def load_model(name: str | Path | None = None) -> CatDogNet:
        "Model `name` (see `model_path`) in eval mode: its weights checked against the card's SHA-256, then loaded with `weights_only=True` into the network the card describes (cached). Any problem is a `ModelLoadError` naming the file and the cause."
        p = model_path(name); card = _read_card(p); pt = Path(f"{p}.pt")
        if not pt.exists(): raise ModelLoadError(f"{pt}: weights file missing (its card {p.name}.json is there)")
        try: digest = file_sha256(pt)
        except OSError as e: raise ModelLoadError(f"{pt}: cannot read the weights ({e.strerror or e})") from None
        if digest != card['sha256']:
            sums = f"SHA-256 {digest[:12]}…, the card says {str(card['sha256'])[:12]}…"
            if not zipfile.is_zipfile(pt): raise ModelLoadError(f"{pt}: truncated or not a PyTorch file ({sums})")
            raise ModelLoadError(f"{pt}: checksum mismatch ({sums}): the weights changed after the card was written")
        try: net = CatDogNet(NetConfig.from_dict(card['config']))
        except (TypeError, ValueError, AttributeError) as e: raise ModelLoadError(f"{p}.json: invalid config field ({e})") from None
        try: net.load_state_dict(torch.load(pt, map_location='cpu', weights_only=True))
        except Exception as e: raise ModelLoadError(f"{pt}: cannot load the weights ({type(e).__name__}: {str(e).splitlines()[0][:200]})") from None
        return net.eval().to(memory_format=torch.channels_last)


# %% ../nbs/06_predict.ipynb #c017a
def _log_softmax(z: np.ndarray) -> np.ndarray:
    "log(softmax(z)) along axis 1, computed stably (float32 in, float32 out)."
    z = z - z.max(1, keepdims=True)
    return z - np.log(np.exp(z).sum(1, keepdims=True))

class OnnxNet:
    "A shipped network run by ONNX Runtime: numpy in, numpy out, no torch. `load_onnx` builds it; `predict_arrays` calls `probs`."
    def __init__(self, path: str | Path, config: dict):
        "A CPU inference session of the ONNX file `path`; `config` is its card's (`cfg.size` is the input side the graph takes)."
        try: import onnxruntime as ort
        except ImportError: raise ImportError("the ONNX engine needs onnxruntime: pip install -r requirements-predict.txt") from None
        self.path, self.cfg = Path(path), types.SimpleNamespace(**config)
        try: self.session = ort.InferenceSession(str(path), providers=['CPUExecutionProvider'])
        except Exception as e: raise ModelLoadError(f"{path}: cannot load the ONNX graph ({type(e).__name__}: {str(e).splitlines()[0][:200]})") from None
        self.input = self.session.get_inputs()[0].name

    def __call__(self, x: np.ndarray) -> np.ndarray:
        "Logits (N×2, float32) of an N×3×S×S float32 batch of 0–1 pixels, S = `cfg.size`."
        return self.session.run(None, {self.input: np.ascontiguousarray(x, dtype=np.float32)})[0]

    def probs(self, squares: np.ndarray | list, bs: int = 250, tta: bool = True, log: bool = False) -> np.ndarray:
        "Class probabilities (N×2, numpy) of uint8 S×S×3 images, as `predict_arrays` computes them with PyTorch: `to_batch`, then the mean of the image's and its mirror's softmax, in log space."
        out, S = [], self.cfg.size
        for i in range(0, len(squares), bs):
            x = to_batch(squares[i:i + bs])
            if x.shape[-2:] != (S, S): raise ValueError(f"{self.path}: expected {S}×{S} images (use load_square), got {x.shape[-2]}×{x.shape[-1]}")
            if tta:
                lp = _log_softmax(self(np.concatenate([x, x[..., ::-1]])))
                lp = np.logaddexp(lp[:len(x)], lp[len(x):]) - np.float32(math.log(2))
            else: lp = _log_softmax(self(x))
            out.append(lp if log else np.exp(lp))
        return np.concatenate(out)

@functools.lru_cache(maxsize=8)
def load_onnx(name: str | Path | None = None) -> OnnxNet:
    "Model `name` (see `model_path`) on ONNX Runtime: `NAME.onnx` checked against the SHA-256 its card records under `onnx` (see `export_onnx`), then loaded (cached). Any problem is a `ModelLoadError` naming the file and the cause."
    p = model_path(name); card = _read_card(p); f = Path(f"{p}.onnx")
    rec = card.get('onnx')
    if not isinstance(rec, dict) or 'sha256' not in rec: raise ModelLoadError(f"{p}.json: the card records no ONNX export (run `catdog export`)")
    if not f.exists(): raise ModelLoadError(f"{f}: ONNX file missing (its card {p.name}.json is there)")
    try: digest = file_sha256(f)
    except OSError as e: raise ModelLoadError(f"{f}: cannot read the ONNX file ({e.strerror or e})") from None
    if digest != rec['sha256']:
        raise ModelLoadError(f"{f}: checksum mismatch (SHA-256 {digest[:12]}…, the card says {str(rec['sha256'])[:12]}…): the file changed after the export")
    return OnnxNet(f, card['config'])


# %% ../nbs/06_predict.ipynb #c009
if BACKEND == 'torch':
    # torch only
    def tta_probs(net: nn.Module, # a `CatDogNet` in eval mode: 0–1 pixels in, two logits out
                  x: torch.Tensor, # N×3×H×W, 0–1 pixels
                  log: bool = False, # return the log of the probabilities (differentiable: the attacks use it)
                 ) -> torch.Tensor:
        "Flip-TTA class probabilities (N×2): the mean of softmax(net(x)) and softmax(net(mirrored x)), images and mirrors in one forward pass, computed in log space."
        lp = net(torch.cat([x, x.flip(3)])).log_softmax(1)
        lp = torch.stack([lp[:len(x)], lp[len(x):]]).logsumexp(0) - math.log(2)
        return lp if log else lp.exp()

    def _net(model: str | Path | nn.Module | None) -> nn.Module:
        "A network: the module itself, or `load_model` of a model name or path (None: the default model)."
        return model if isinstance(model, nn.Module) else load_model(model)


# %% ../nbs/06_predict.ipynb #c009s
def predict_arrays(net, # a `CatDogNet` (put in eval mode), or an `OnnxNet`
                   squares: np.ndarray | list, # uint8 images: N×S×S×3 array or list of S×S×3 arrays (a `CatDogNet` resizes other sides itself)
                   bs: int = 250, # images per forward pass
                   tta: bool = True, # average each image with its mirror image, as `predict` does
                   log: bool = False, # log-probabilities instead
                  ):
    "Class probabilities (N×2) of uint8 images: `to_batch`, then `tta_probs`: the one forward path of `predict`, `predict_many` and every accuracy of the chapters. A torch tensor for a `CatDogNet`; a numpy array for an `OnnxNet`, which computes the same in numpy."
    if isinstance(net, OnnxNet): return net.probs(squares, bs, tta, log)
    net.eval(); out = []
    with torch.inference_mode():
        for i in range(0, len(squares), bs):
            x = torch.from_numpy(to_batch(squares[i:i + bs])).contiguous(memory_format=torch.channels_last)
            out.append(tta_probs(net, x, log) if tta else net(x).log_softmax(1) if log else net(x).softmax(1))
    return torch.cat(out)

def _network(model: str | Path | None):
    "The network `predict` runs for `model` (a name or path): `load_onnx` when `BACKEND` is 'onnx', else `load_model`."
    return load_onnx(model) if BACKEND == 'onnx' else load_model(model)

def _result(p: torch.Tensor) -> tuple[str, float]:
    "(label, probability of that label) from a probability pair."
    i = int(p.argmax())
    return CLASSES[i], float(p[i])


# %% ../nbs/06_predict.ipynb #c010
def predict(image: ImageLike,   # path (str or Path), PIL image, or H×W×3 uint8 array
            model: str | Path | None = None, # 'cnn' (None: the default), 'robust', 'student', or a model's .pt/.json path
           ) -> tuple[str, float]:
    """Classify one image: ('cat' or 'dog', the probability of that label, 0.5–1).

    `image` is a path to an image file (JPEG, PNG, GIF, BMP, TIFF, WebP, ...: EXIF rotation applied, the first frame of an
    animation, transparency composited on white), a PIL image, or an H×W×3 (also H×W or H×W×4) uint8 array; a path, a PIL
    image and an array of the same pixels give the same answer. `model` is a shipped model: 'cnn' (the default), 'robust'
    (trained with noise: for noisy photos), 'student' (half the size), or the path to any model's .pt or .json file.
    Raises `FileNotFoundError` if the file does not exist, `InvalidImageError` (a `ValueError`) if it is not a readable
    image, `ModelNotFoundError` (a `FileNotFoundError`) for an unknown model name, and `ModelLoadError` for a model file
    that is missing, truncated, changed, or whose card lacks a field; each message names the file and the cause.
    The network runs on PyTorch, or on ONNX Runtime where torch is not installed (see `BACKEND`); both give the same answer.
    Global state (torch's threads, random state, grad mode) is left as it was."""
    net = _network(model)
    return _result(predict_arrays(net, [load_square(image, net.cfg.size)])[0])


# %% ../nbs/06_predict.ipynb #c013
class Predictions(list):
    "A list of (label, probability) tuples, `None` where an input failed; `errors` maps those indices to the cause."
    def __init__(self, items=(), errors: dict | None = None):
        "The results `items` in input order, and `errors`: index → the cause of each failure."
        super().__init__(items); self.errors = errors or {}


# %% ../nbs/06_predict.ipynb #c014
def predict_many(images: list,            # paths, PIL images or arrays
                 model: str | Path | None = None, # model name or path, as for `predict`
                 batch_size: int = 64,    # images per forward pass
                 errors: str = 'report',  # 'report': None + `errors` entry for a bad input; 'raise': raise
                 progress: Callable[[int], None] | None = None, # called with the number of inputs done after each batch
                ) -> Predictions:
    "Classify many images as `predict` does; one unreadable input does not lose the others (see `Predictions`)."
    net, images = _network(model), list(images)
    out, errs = Predictions([None] * len(images)), {}
    for start in range(0, len(images), batch_size):
        arrays, idx = [], []
        for i in range(start, min(start + batch_size, len(images))):
            try: arrays.append(load_square(images[i], net.cfg.size)); idx.append(i)
            except (InvalidImageError, FileNotFoundError) as e:
                if errors == 'raise': raise
                errs[i] = str(e); warnings.warn(f"skipped: {e}")
        if arrays:
            for i, p in zip(idx, predict_arrays(net, arrays, bs=batch_size)): out[i] = _result(p)
        if progress: progress(min(start + batch_size, len(images)) - start)
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
    "The one-file module's command line (the package's is `catdog predict`): `python catdog.py [--model NAME] FILE_OR_FOLDER...` prints `FILE<TAB>label<TAB>probability`, on PyTorch or ONNX Runtime (`BACKEND`)."
    import argparse
    ap = argparse.ArgumentParser(prog='catdog.py', description='Classify images as cat or dog.')
    ap.add_argument('files', nargs='+', help='image files or folders of images')
    ap.add_argument('--model', default=None, help=f"shipped model name or path to its .pt or .onnx file (default: {DEFAULT_MODEL})")
    args = ap.parse_args(argv)
    try: _network(args.model)
    except ModelLoadError as e: print(f"error: {e}", file=sys.stderr); return 2 if isinstance(e, ModelNotFoundError) else 1
    except ImportError as e: print(f"error: {e}", file=sys.stderr); return 1
    files = expand_paths(args.files)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        res = predict_many(files, model=args.model)
    for i, (f, r) in enumerate(zip(files, res)):
        if r: print(f"{f}\t{r[0]}\t{r[1]:.4f}")
        else: print(f"error: {res.errors[i]}", file=sys.stderr)
    return 1 if res.errors else 0


# %% ../nbs/06_predict.ipynb #c022a
@contextlib.contextmanager
def atomic_write(path: str | Path) -> Iterator[Path]:
    "Write `path` all at once: the block writes the temporary file it is given (beside `path`, same suffix), which then replaces `path`; after an error or a kill `path` is the old file or the new one, never half of one."
    path = Path(path); path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}.tmp{path.suffix}")
    try:
        yield tmp
        with open(tmp, 'rb+') as f: os.fsync(f.fileno())   # on disk before it takes the name
        os.replace(tmp, path)
    finally: tmp.unlink(missing_ok=True)


if __name__ == '__main__': sys.exit(main())
