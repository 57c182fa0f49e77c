"""The public API contract of `catdog`: forms of input, return values, batches, model loading, speed."""
import json, os, statistics, subprocess, sys, time
from pathlib import Path
import numpy as np, pytest, torch
from PIL import Image
import catdog

ROOT = Path(__file__).resolve().parents[1]


def test_predict_forms_agree(sure_images):
    "A path (str or Path), a PIL image and an array of the same image give the same answer."
    f = sure_images['cat']
    label, p = catdog.predict(f)
    assert label == 'cat' and 0.5 <= p <= 1
    img = Image.open(f)
    for form in (str(f), img, np.asarray(img)):
        l2, p2 = catdog.predict(form)
        assert l2 == label and p2 == pytest.approx(p, abs=1e-6)


@pytest.mark.parametrize('model', [None] + [m for m in catdog.MODEL_NAMES if (ROOT/'models'/f'{m}.pt').exists()])
def test_every_shipped_model(model, sure_images):
    "Every shipped model predicts through the same API and gets the confident examples right."
    for truth, f in sure_images.items():
        label, p = catdog.predict(f, model=model)
        assert label == truth and 0.5 <= p <= 1


def test_probability_is_of_the_label(sure_images):
    "The probability returned is that of the returned label, so it is at least 0.5."
    for f in sure_images.values():
        net = catdog.load_model(None)
        x = torch.from_numpy(catdog.load_square(f, net.cfg.size)).permute(2, 0, 1)[None].float() / 255
        with torch.no_grad(): q = ((net(x).softmax(1) + net(x.flip(3)).softmax(1)) / 2)[0]
        label, p = catdog.predict(f)
        assert p == pytest.approx(float(q.max()), abs=1e-5) and label == catdog.CLASSES[int(q.argmax())]


def test_predict_many_keeps_good_results(valid_files, tmp_path):
    "A bad file in a batch gets None and an error naming it; the other results equal single predictions."
    bad = tmp_path/'broken.jpg'; bad.write_text('not an image')
    items = [valid_files[0], bad, valid_files[1], tmp_path/'missing.jpg', valid_files[2]]
    with pytest.warns(UserWarning):
        res = catdog.predict_many(items, batch_size=2)
    assert len(res) == 5 and res[1] is None and res[3] is None
    assert set(res.errors) == {1, 3} and 'broken.jpg' in res.errors[1] and 'missing.jpg' in res.errors[3]
    for i in (0, 2, 4):
        assert res[i][0] == catdog.predict(items[i])[0] and res[i][1] == pytest.approx(catdog.predict(items[i])[1], abs=1e-5)
    with pytest.raises(catdog.InvalidImageError, match='broken.jpg'):
        catdog.predict_many(items, errors='raise')


def test_load_model_is_safe_and_small():
    "Shipped weights load with weights_only=True, are < 20 MB, and the card describes the model."
    for name in catdog.MODEL_NAMES:
        pt = ROOT/'models'/f'{name}.pt'
        if not pt.exists(): continue
        assert pt.stat().st_size < 20e6
        sd = torch.load(pt, weights_only=True)
        card = json.loads(pt.with_suffix('.json').read_text())
        for k in ('architecture', 'config', 'parameters', 'input_size', 'normalisation', 'valid_accuracy',
                  'train_minutes', 'commit', 'data', 'split'):
            assert k in card, k
        net = catdog.load_model(name)
        assert not net.training and catdog.n_params(net) == card['parameters']
        assert all(torch.equal(sd[k], v) for k, v in net.state_dict().items())


def test_unknown_model_is_clear():
    "Asking for a model that does not exist names it and what is shipped."
    with pytest.raises(FileNotFoundError, match='no-such-model'):
        catdog.predict(np.zeros((8, 8, 3), np.uint8), model='no-such-model')


def _run(code: str) -> float:
    "Wall time of `python -c code` in a fresh interpreter."
    t = time.perf_counter()
    subprocess.run([sys.executable, '-c', code], check=True, cwd=ROOT, capture_output=True)
    return time.perf_counter() - t


def test_import_does_not_load_fastai(sure_images):
    "`import catdog` and a prediction never import fastai (7 s on this machine)."
    code = f"import sys, catdog; catdog.predict(r'{sure_images['cat']}'); assert 'fastai' not in sys.modules, 'fastai imported'"
    _run(code)


def test_cold_start_ratio(sure_images):
    "A cold `import catdog; predict` takes at most 1.6x a cold `import torch` (best of 3 each)."
    torch_t = min(_run('import torch') for _ in range(3))
    cat_t = min(_run(f"import catdog; catdog.predict(r'{sure_images['cat']}')") for _ in range(3))
    print(f"cold start: import torch {torch_t:.2f} s, import catdog + predict {cat_t:.2f} s, ratio {cat_t / torch_t:.2f}")
    assert cat_t <= 1.6 * torch_t


def test_warm_latency(sure_images):
    "A warm single prediction (path in, answer out) takes at most 20 ms (median of 30)."
    f = sure_images['dog']; catdog.predict(f)
    ts = []
    for _ in range(30):
        t = time.perf_counter(); catdog.predict(f); ts.append(time.perf_counter() - t)
    print(f"warm latency median {1000 * statistics.median(ts):.1f} ms")
    assert statistics.median(ts) <= 0.020
