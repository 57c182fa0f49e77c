"""`catdog.adversarial_example` and the attack helpers of `02_adversarial`: the API contract, 8-bit PNGs that still
fool `predict`, targeted attacks, bad input, and CI-sized attack curves."""
import subprocess, sys
from pathlib import Path
import numpy as np, pytest, torch
from PIL import Image
import catdog
from catdog.attacks import eps_levels, robustness_curve, to_tensor, PredictPath

ROOT = Path(__file__).resolve().parents[1]


def _diff(a, b) -> int:
    "Largest per-pixel change between two RGB images, in 8-bit levels."
    return int(np.abs(np.asarray(a, dtype=int) - np.asarray(b, dtype=int)).max())


def _sample(valid_files, n: int = 40):
    "`n` validation photos spread over the split (cats and dogs) at the shipped network's input side, as a tensor, with their labels."
    from catdog.image import load_square
    from catdog.attacks import to_tensor_batch
    files = valid_files[::len(valid_files) // n][:n]
    S = catdog.load_model().cfg.size
    x = np.stack([load_square(f, S) for f in files]); y = np.array([f.name.startswith('dog') for f in files], int)
    return x, y, to_tensor_batch(x), torch.as_tensor(y)


# Validation photos (never trained on) that the shipped CNN classifies correctly and that the attack flips at ε = 2/255.
# Not every photo can be flipped at that ε (see the bar in nbs/02_adversarial), so the set is fixed by name.
FOOLABLE = {'cat': ['cat.10031.jpg', 'cat.10032.jpg'], 'dog': ['dog.10000.jpg', 'dog.1001.jpg']}


@pytest.fixture(scope='module')
def correct_images(valid_files):
    "The fixed photos of `FOOLABLE` as paths, checked to be validation images the model classifies correctly."
    by_name = {f.name: f for f in valid_files}
    out = {truth: [by_name[n] for n in names] for truth, names in FOOLABLE.items()}
    for truth, files in out.items():
        for f in files: assert catdog.predict(f)[0] == truth, f'{f.name} is misclassified by the current model'
    return out


@pytest.fixture(scope='module')
def photo(correct_images):
    "One correctly classified validation photo (200×200 JPEG)."
    return correct_images['dog'][0]


def test_eps_levels():
    "ε in 0–1 units becomes ⌈ε·255⌉ 8-bit levels, without float round-off adding a level."
    assert [eps_levels(e) for e in (0, 0.5/255, 1/255, 2/255, 3/255, 4/255, 8/255)] == [0, 1, 1, 2, 3, 4, 8]


@pytest.mark.parametrize('eps', [1/255, 2/255, 2.5/255])
def test_contract_size_bound_8bit(eps, photo):
    "A non-square input at its own resolution gives an 8-bit RGB image of the same size, within ⌈ε·255⌉ levels."
    img = catdog.open_image(photo).crop((0, 10, 180, 150))   # 180×140, not the network's size
    adv = catdog.adversarial_example(img, eps=eps, steps=3)   # the contract holds whether or not the attack succeeds
    assert isinstance(adv, Image.Image) and adv.mode == 'RGB' and adv.size == img.size
    assert np.asarray(adv).dtype == np.uint8
    assert 0 < _diff(adv, img) <= eps_levels(eps)


def test_eps_zero_changes_nothing(photo):
    "With ε = 0 the output equals the input pixel for pixel."
    img = catdog.open_image(photo)
    assert _diff(catdog.adversarial_example(img, eps=0), img) == 0


def test_png_round_trip_still_fools_predict(correct_images, tmp_path):
    "At ε = 2/255, each photo of a fixed set of correctly classified validation photos, saved as PNG and reloaded, fools predict."
    torch.manual_seed(0)
    for truth, files in correct_images.items():
        for f in files:
            adv = catdog.adversarial_example(f, eps=2/255)
            assert _diff(adv, catdog.open_image(f)) <= 2
            adv.save(tmp_path/f'{f.stem}.png')
            label, p = catdog.predict(tmp_path/f'{f.stem}.png')
            assert (label, p) == pytest.approx(catdog.predict(adv))   # the PNG round trip is lossless
            assert label != truth, f'{f.name}: still {label} ({p:.3f}) after the attack'


@pytest.mark.parametrize('source,target', [('cat', 'dog'), ('dog', 'cat')])
def test_targeted(source, target, correct_images, tmp_path):
    "Targeted at ε = 4/255, cats become dogs and dogs become cats, after a PNG round trip."
    torch.manual_seed(0)
    for f in correct_images[source]:
        adv = catdog.adversarial_example(f, eps=4/255, target=target)
        assert _diff(adv, catdog.open_image(f)) <= 4
        adv.save(tmp_path/'t.png')
        assert catdog.predict(tmp_path/'t.png')[0] == target


def test_own_resolution_is_attacked(correct_images):
    "A 400×400 photo is attacked at 400×400 (not at the network's input side) and still fools predict."
    big = catdog.open_image(correct_images['cat'][0]).resize((400, 400), Image.BICUBIC)
    adv = catdog.adversarial_example(big, eps=2/255)
    assert adv.size == (400, 400) and _diff(adv, big) <= 2
    assert catdog.predict(adv)[0] != catdog.predict(big)[0]


def test_predict_path_matches_predict(correct_images):
    "The differentiable model the attack uses gives the probability `catdog.predict` reports."
    net = catdog.load_model()
    for f in correct_images['cat'] + correct_images['dog']:
        label, p = catdog.predict(f)
        with torch.no_grad(): q = PredictPath(net)(to_tensor(catdog.open_image(f))).exp()[0]
        assert catdog.CLASSES[int(q.argmax())] == label and float(q.max()) == pytest.approx(p, abs=2e-3)


def test_bad_input_raises(tmp_path):
    "Unreadable files and wrong arrays raise InvalidImageError; an unknown target raises ValueError."
    bad = tmp_path/'bad.jpg'; bad.write_text('not an image')
    with pytest.raises(catdog.InvalidImageError, match='bad.jpg'): catdog.adversarial_example(bad)
    with pytest.raises(catdog.InvalidImageError): catdog.adversarial_example(np.zeros((4, 4), np.float32))
    with pytest.raises(catdog.InvalidImageError): catdog.adversarial_example(np.zeros(3, np.uint8))
    with pytest.raises(ValueError, match='target'): catdog.adversarial_example(np.zeros((8, 8, 3), np.uint8), target='horse')


def test_curves(valid_files):
    "FGSM and PGD accuracy curves on 8 images: one row per attack and ε; attacked accuracy never exceeds clean accuracy (speed: `catdog bench`)."
    x, y, _, _ = _sample(valid_files, 8)
    rows = robustness_curve(catdog.load_model(), x, y, eps=(0, 2/255), steps=3)
    assert len(rows) == 4
    acc = {(r['attack'], r['eps_255']): r['accuracy'] for r in rows}
    for kind in ('fgsm', 'pgd'): assert acc[(kind, 2.0)] <= acc[(kind, 0)]


def test_attack_path_does_not_import_fastai(photo):
    "`catdog.adversarial_example` (a lazy top-level name) never imports fastai."
    code = (f"import sys, catdog; catdog.adversarial_example(r'{photo}', steps=1); "
            "assert 'fastai' not in sys.modules, 'fastai imported'")
    subprocess.run([sys.executable, '-c', code], check=True, cwd=ROOT, capture_output=True)


def test_ensemble_of_one_is_the_predict_path(photo):
    "`EnsemblePath` of a single model gives that model's `PredictPath` log-probabilities."
    from catdog.attacks import EnsemblePath
    net, x = catdog.load_model(), to_tensor(catdog.open_image(photo))
    with torch.no_grad(): torch.testing.assert_close(EnsemblePath([net])(x), PredictPath(net)(x))


def test_curve_via_own_path_is_the_plain_curve(valid_files):
    "Attacking through `via=PredictPath(net)` (float pixels) is the plain curve; through another model it is judged by `net` all the same."
    x, y, _, _ = _sample(valid_files, 5)
    net = catdog.load_model()
    plain = robustness_curve(net, x, y, eps=(2/255,), kinds=('pgd',), steps=3)
    assert robustness_curve(net, x, y, eps=(2/255,), kinds=('pgd',), steps=3, via=PredictPath(net, quantise=False)) == plain
    other = robustness_curve(net, x, y, eps=(0,), kinds=('pgd',), steps=3, via=PredictPath(catdog.load_model('student'), quantise=False))
    assert other[0]['accuracy'] == robustness_curve(net, x, y, eps=(0,), kinds=('pgd',), steps=3)[0]['accuracy']   # ε = 0: net's own clean accuracy


def test_unsmoothed_twin(valid_files):
    "`cnn_ce`, the CNN fine-tuned without label smoothing, is as accurate with log-odds at least twice as large: what the attack borrows."
    from catdog.attacks import log_odds
    _, _, xt, yt = _sample(valid_files)
    med, acc = {}, {}
    for name in ('cnn', 'cnn_ce'):
        with torch.no_grad(): lo = log_odds(PredictPath(catdog.load_model(name), quantise=False)(xt), yt)
        acc[name], med[name] = float((lo < 0).float().mean()), float(lo.abs().median())
    assert min(acc.values()) >= 0.85 and abs(acc['cnn_ce'] - acc['cnn']) <= 0.05 + 1e-6, acc   # within two of the 40 photos
    assert med['cnn_ce'] > 2 * med['cnn'], med
    card = catdog.model_card('cnn_ce')
    assert card['finetuned_from'] == 'cnn' and 'no label smoothing' in card['loss'] and 'surrogate' in card['purpose']


def test_unsmoothed_twin_is_easy_to_attack(valid_files):
    "PGD on its own gradient leaves `cnn_ce` far less accurate at ε = 2/255 than the CNN under the same attack: without label smoothing the same network is an easy target."
    x, y, _, _ = _sample(valid_files)
    acc = {n: robustness_curve(catdog.load_model(n), x, y, eps=(2/255,), kinds=('pgd',), steps=10)[0]['accuracy'] for n in ('cnn', 'cnn_ce')}
    assert acc['cnn_ce'] <= acc['cnn'] - 0.15, acc


def test_views_path_is_the_predict_path_split_by_view(photo):
    "`ViewsPath` keeps each model's two flip views apart; averaged in probability, one model's views give its `PredictPath`."
    from catdog.attacks import ViewsPath
    net, ce = catdog.load_model(), catdog.load_model('cnn_ce')
    x = to_tensor(catdog.open_image(photo))
    with torch.no_grad(): v, v2 = ViewsPath([net])(x), ViewsPath([net, ce])(x)
    assert v.shape == (1, 2, 2) and v2.shape == (1, 4, 2)
    torch.testing.assert_close(v.exp().mean(1).log(), PredictPath(net)(x), atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(v2[:, :2], v)


def test_capped_margins():
    "The capped loss sums every view's log-odds, each capped at ±cap (a fooled view stops pulling: no gradient through it)."
    from catdog.attacks import capped_margins, log_odds
    lp = torch.tensor([[[-0.1, -2.4], [-3.0, -0.05]]]).log_softmax(2).requires_grad_()   # view 1 says cat, view 2 says dog
    lo = [float(log_odds(lp[:, j], 0)) for j in range(2)]
    assert lo[0] < 0 < 1 < lo[1]
    loss = capped_margins(1.)(lp, 0); assert abs(float(loss) - (lo[0] + 1)) < 1e-6
    loss.sum().backward(); assert lp.grad[0, 1].abs().sum() == 0 and lp.grad[0, 0].abs().sum() > 0
    assert abs(float(capped_margins(1., targeted=True)(lp, 1)) - (-lo[0] - 1)) < 1e-6   # target dog: view 2 already there


# Validation photos from the end of the split (not used by the fooling rate of 02_adversarial) that the CNN gets right. For the
# first CNN of this project, 40 PGD steps through the averaged (flip-TTA) log-odds of the CNN and `cnn_ce` stalled on such photos
# just short of flipping, and the per-view capped loss flipped them; for the shipped CNN both flip each of these twelve
# (a search from the end of the split found no photo where only the capped loss does; tools/pick_test_photos.py).
NEAR_MISSES = ['dog.9991.jpg', 'dog.9977.jpg', 'dog.9930.jpg', 'dog.9929.jpg', 'dog.9915.jpg', 'dog.9913.jpg',
               'dog.9911.jpg', 'dog.9905.jpg', 'dog.9903.jpg', 'dog.9901.jpg', 'dog.9881.jpg', 'dog.9879.jpg']


def test_capped_views_flip_at_least_as_often(valid_files):
    "On the fixed photos, 40 PGD steps flip the CNN on every photo (judged by `predict`'s path), through the averaged loss and through the per-view capped loss."
    from catdog.attacks import EnsemblePath, ViewsPath, attack, capped_margins, log_odds, to_image, _predict_log_probs
    by_name = {f.name: f for f in valid_files}
    net, ce = catdog.load_model(), catdog.load_model('cnn_ce')
    flips = {'averaged': 0, 'views': 0}
    torch.manual_seed(1)
    for name in NEAR_MISSES:
        img = catdog.open_image(by_name[name]); y = int(name.startswith('dog')); x = to_tensor(img)
        for kind, path, loss in (('averaged', EnsemblePath([net, ce]), log_odds), ('views', ViewsPath([net, ce]), capped_margins(1.))):
            xa = attack(path, x, y, 2/255, 'pgd', 40, step_size=0.5/255, random_start=True, loss=loss)
            flips[kind] += float(log_odds(_predict_log_probs(net, to_image(xa, x, 2))[None], y)) > 0
    assert flips == {'averaged': len(NEAR_MISSES), 'views': len(NEAR_MISSES)}, flips   # 02_adversarial: the third try alone flips each
