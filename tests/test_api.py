"""The public API contract of `catdog`: forms of input, return values, batches, model loading, global state."""
import json, subprocess, sys, threading
from pathlib import Path
import numpy as np, pytest, torch
from PIL import Image
import catdog

ROOT = Path(__file__).resolve().parents[1]
PAIRS = sorted((ROOT.parent/'shared'/'data'/'pairs').glob('*.jpg'))   # photos larger than the training size
SHIPPED = catdog.MODEL_NAMES + ('cnn_ce', 'robust_gauss')              # every model in models/ that code or notebooks use


def test_pair_photos_are_there():
    "The photos the agreement tests use exist, and are larger than the network's input (where a second resize path would show)."
    assert len(PAIRS) >= 8
    assert all(min(Image.open(f).size) > catdog.load_model().cfg.size for f in PAIRS)


@pytest.mark.parametrize('f', PAIRS, ids=lambda f: f.name)
def test_predict_forms_agree(f):
    "A path (str or Path), a PIL image (lazy or loaded) and an RGB array of the same photo give the same answer to 1e-6."
    label, p = catdog.predict(f)
    assert label in catdog.CLASSES and 0.5 <= p <= 1
    for form in (str(f), Image.open(f), Image.open(f).convert('RGB'), np.asarray(Image.open(f).convert('RGB'))):
        l2, p2 = catdog.predict(form)
        assert l2 == label and abs(p2 - p) <= 1e-6, (type(form), p, p2)


def test_predict_many_agrees_with_predict():
    "`predict_many` of the pair photos gives each photo's `predict` answer to 1e-6."
    res = catdog.predict_many(PAIRS, batch_size=3)
    for f, r in zip(PAIRS, res):
        label, p = catdog.predict(f)
        assert r[0] == label and abs(r[1] - p) <= 1e-6


def test_help_says_inputs_models_and_errors():
    "`help(catdog.predict)` names the forms of input, the model names and the errors it raises."
    doc = catdog.predict.__doc__
    for word in ('path', 'PIL', 'uint8 array', "'cnn'", "'robust'", "'student'", '.pt', 'FileNotFoundError', 'InvalidImageError',
                 'ModelNotFoundError', 'ModelLoadError'):
        assert word in doc, word


@pytest.mark.parametrize('model', (None,) + catdog.MODEL_NAMES)
def test_every_shipped_model(model, sure_images):
    "Every shipped model predicts through the same API and gets the confident examples right."
    for truth, f in sure_images.items():
        label, p = catdog.predict(f, model=model)
        assert label == truth and 0.5 <= p <= 1


def test_probability_is_of_the_label(sure_images):
    "The probability returned is that of the returned label, the flip-TTA average written out by hand."
    net = catdog.load_model(None)
    for f in sure_images.values():
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
        assert res[i][0] == catdog.predict(items[i])[0] and res[i][1] == pytest.approx(catdog.predict(items[i])[1], abs=1e-6)
    with pytest.raises(catdog.InvalidImageError, match='broken.jpg'):
        catdog.predict_many(items, errors='raise')


@pytest.mark.parametrize('name', SHIPPED)
def test_shipped_model_is_safe_small_and_checked(name):
    "Each shipped model is in models/, loads with weights_only=True, is < 20 MB, and its card describes it, SHA-256 included."
    pt = ROOT/'models'/f'{name}.pt'
    assert pt.exists() and pt.with_suffix('.json').exists(), f'{name} is not shipped'
    assert pt.stat().st_size < 20e6
    sd = torch.load(pt, weights_only=True)
    card = json.loads(pt.with_suffix('.json').read_text())
    for k in ('architecture', 'config', 'sha256', 'parameters', 'input_size', 'normalisation', 'valid_accuracy', 'commit'):
        assert k in card, k
    assert card['sha256'] == catdog.file_sha256(pt)
    net = catdog.load_model(name)
    assert not net.training and catdog.n_params(net) == card['parameters']
    assert all(torch.equal(sd[k], v) for k, v in net.state_dict().items())


def test_unknown_model_is_clear():
    "Asking for a model that does not exist names it and what is shipped (a ModelNotFoundError, also a FileNotFoundError)."
    with pytest.raises(catdog.ModelNotFoundError, match='no-such-model.*shipped: cnn'):
        catdog.predict(np.zeros((8, 8, 3), np.uint8), model='no-such-model')
    assert issubclass(catdog.ModelNotFoundError, FileNotFoundError) and issubclass(catdog.ModelNotFoundError, catdog.ModelLoadError)


def _broken_model(kind: str, d: Path) -> tuple[Path, str, str]:
    "A copy of the CNN in `d`, broken in one way: (path to pass as `model`, the file the error must name, words of the cause)."
    pt, card = d/f'{kind}.pt', d/f'{kind}.json'
    data, c = (ROOT/'models'/'cnn.pt').read_bytes(), json.loads((ROOT/'models'/'cnn.json').read_text())
    pt.write_bytes(data); card.write_text(json.dumps(c))
    if kind == 'missing': pt.unlink(); return pt, pt.name, 'missing'
    if kind == 'truncated': pt.write_bytes(data[:len(data) // 3]); return pt, pt.name, 'truncated'
    if kind == 'changed':
        b = bytearray(data); b[len(b) // 2] ^= 1; pt.write_bytes(bytes(b)); return pt, pt.name, 'checksum mismatch'
    if kind in ('no_config', 'no_sha256'):
        del c[kind[3:]]; card.write_text(json.dumps(c)); return pt, card.name, f'no {kind[3:]} field'
    if kind == 'bad_json': card.write_text('{"config": '); return pt, card.name, 'unreadable'
    if kind == 'bad_config': c['config']['wings'] = 2; card.write_text(json.dumps(c)); return pt, card.name, 'config'
    if kind == 'no_card': card.unlink(); return pt, card.name, 'card missing'
    raise ValueError(kind)


BROKEN = ('missing', 'truncated', 'changed', 'no_config', 'no_sha256', 'bad_json', 'bad_config', 'no_card')


@pytest.mark.parametrize('kind', BROKEN)
def test_broken_model_is_a_model_load_error(kind, tmp_path):
    "Each way a model file can be broken raises ModelLoadError naming the file and the cause."
    model, name, cause = _broken_model(kind, tmp_path)
    with pytest.raises(catdog.ModelLoadError) as e:
        catdog.load_model(model)
    assert name in str(e.value) and cause in str(e.value) and '\n' not in str(e.value), str(e.value)


@pytest.mark.parametrize('kind', ('truncated', 'no_config'))
def test_broken_model_on_the_command_lines(kind, tmp_path, sure_images):
    "`catdog predict` and `python catdog.py` report a broken model in one line on stderr and exit 1, without a traceback."
    model, name, cause = _broken_model(kind, tmp_path)
    for cmd in ([sys.executable, '-m', 'catdog.cli', 'predict'], [sys.executable, str(ROOT/'catdog.py')]):
        r = subprocess.run([*cmd, '--model', str(model), str(sure_images['cat'])], capture_output=True, text=True, cwd=ROOT)
        assert r.returncode == 1 and 'Traceback' not in r.stderr, r.stderr
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and name in lines[0] and cause in lines[0], r.stderr


def _state() -> dict:
    "Global settings a library call could change: torch's threads (here and in a new thread), grad mode, random states."
    seen = []
    t = threading.Thread(target=lambda: seen.append(torch.get_num_threads())); t.start(); t.join()
    return dict(threads=torch.get_num_threads(), new_thread=seen[0], grad=torch.is_grad_enabled(),
                torch_rng=torch.get_rng_state(), numpy_rng=np.random.get_state()[1].copy(), interop=torch.get_num_interop_threads())


def test_calls_leave_global_state_alone(sure_images):
    "predict, predict_many, explain and adversarial_example leave torch's threads (seen from a new thread), grad mode and random states as they were."
    old = torch.get_num_threads()
    torch.set_num_threads(old + 1)   # a value no helper would pick: one thread for small work, or one per core
    try:
        before = _state()
        f = sure_images['cat']
        catdog.predict(f); catdog.predict_many([f, sure_images['dog']])
        catdog.explain(f); catdog.adversarial_example(f, steps=2)
        after = _state()
    finally: torch.set_num_threads(old)
    for k, v in before.items():
        assert (torch.equal(v, after[k]) if isinstance(v, torch.Tensor) else np.array_equal(v, after[k])), k


def test_adversarial_example_is_seeded(sure_images):
    "The same seed gives the same adversarial image; the caller's random state does not matter."
    f = sure_images['dog']
    torch.manual_seed(1); a = np.asarray(catdog.adversarial_example(f, eps=1/255, steps=2))
    torch.manual_seed(2); b = np.asarray(catdog.adversarial_example(f, eps=1/255, steps=2))
    assert np.array_equal(a, b)


def test_attack_and_explain_use_predicts_probability():
    "The probability the attack's search is judged by, and the label `explain` explains by default, are `predict`'s, to 1e-6."
    from catdog.attacks import _predict_log_probs
    from catdog.interpret import model_input, predicted
    net = catdog.load_model()
    for f in PAIRS:
        label, p = catdog.predict(f)
        q = _predict_log_probs(net, catdog.open_image(f)).exp()
        assert abs(float(q[catdog.CLASSES.index(label)]) - p) <= 1e-6
        assert catdog.CLASSES[predicted(net, model_input(f, net.cfg.size)[0])] == label


def test_import_does_not_load_fastai(sure_images):
    "`import catdog` and a prediction never import fastai (7 s on this machine)."
    code = f"import sys, catdog; catdog.predict(r'{sure_images['cat']}'); assert 'fastai' not in sys.modules, 'fastai imported'"
    subprocess.run([sys.executable, '-c', code], check=True, cwd=ROOT, capture_output=True)
