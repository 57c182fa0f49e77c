"""ONNX export and the torch-free engine: the .onnx files match their cards, ONNX Runtime and PyTorch give the same answers,
and `python catdog.py` runs in a fresh virtual environment holding only requirements-predict.txt."""
import json, os, shutil, subprocess, sys
import numpy as np, pytest
import catdog
from cli_helpers import ROOT

SHIPPED = [m for m in catdog.MODEL_NAMES + ('cnn_ce', 'robust_gauss') if (ROOT/'models'/f'{m}.json').exists()]


@pytest.mark.parametrize('name', SHIPPED)
def test_card_records_onnx(name):
    "Every shipped model has NAME.onnx whose SHA-256 and opset its card records, and `load_onnx` accepts it."
    rec = catdog.model_card(name)['onnx']
    assert rec['file'] == f'{name}.onnx' and rec['sha256'] == catdog.file_sha256(ROOT/'models'/f'{name}.onnx')
    assert isinstance(rec['opset'], int) and rec['opset'] >= 17
    assert catdog.load_onnx(name).cfg.size == catdog.model_card(name)['config']['size']


@pytest.mark.parametrize('name', catdog.MODEL_NAMES)
def test_onnx_equals_torch(name, valid_files):
    "On 200 validation images (a seeded sample) ONNX Runtime and PyTorch give the same labels and probabilities within 1e-4."
    files = [valid_files[i] for i in sorted(np.random.RandomState(0).permutation(len(valid_files))[:200])]
    net, onnx_net = catdog.load_model(name), catdog.load_onnx(name)
    squares = [catdog.load_square(f, net.cfg.size) for f in files]
    p_torch, p_onnx = catdog.predict_arrays(net, squares).numpy(), catdog.predict_arrays(onnx_net, squares)
    assert isinstance(p_onnx, np.ndarray) and p_onnx.shape == (200, 2)
    assert (p_torch.argmax(1) == p_onnx.argmax(1)).all()
    assert np.abs(p_torch - p_onnx).max() < 1e-4
    lp = catdog.predict_arrays(onnx_net, squares[:5], log=True, tta=False)
    assert np.allclose(np.exp(lp).sum(1), 1, atol=1e-5)


def test_onnx_refuses_changed_or_missing_file(tmp_path):
    "A changed .onnx file, a missing one, or a card without the `onnx` field: a `ModelLoadError` naming the file."
    for suffix in ('.pt', '.json', '.onnx'): shutil.copy(ROOT/'models'/f'student{suffix}', tmp_path/f'student{suffix}')
    f = tmp_path/'student.onnx'
    assert catdog.load_onnx(f).cfg.size == catdog.model_card('student')['config']['size']
    f.write_bytes(f.read_bytes()[:-10])
    with pytest.raises(catdog.ModelLoadError, match='student.onnx: checksum mismatch'): catdog.load_onnx(tmp_path/'student.json')
    f.unlink()
    with pytest.raises(catdog.ModelLoadError, match='student.onnx: ONNX file missing'): catdog.load_onnx(tmp_path/'student.pt')
    card = json.loads((tmp_path/'student.json').read_text()); del card['onnx']
    (tmp_path/'student.json').write_text(json.dumps(card))
    shutil.copy(ROOT/'models'/'student.onnx', tmp_path/'student.onnx')
    catdog.load_onnx.cache_clear()   # the first load above was cached
    with pytest.raises(catdog.ModelLoadError, match='records no ONNX export'): catdog.load_onnx(tmp_path/'student.onnx')


def test_export_writes_onnx_and_card(tmp_path):
    "`export_onnx` on a copy of a model writes NAME.onnx with a free batch size and records its checksum and opset in the card."
    for suffix in ('.pt', '.json'): shutil.copy(ROOT/'models'/f'student{suffix}', tmp_path/f'student{suffix}')
    rec = catdog.export_onnx(tmp_path/'student.pt')
    card = json.loads((tmp_path/'student.json').read_text())
    assert card['onnx'] == rec and rec['sha256'] == catdog.file_sha256(tmp_path/'student.onnx') and rec['opset'] == catdog.ONNX_OPSET
    assert card['sha256'] == catdog.model_card('student')['sha256']   # the weights' checksum is untouched
    net = catdog.load_onnx(tmp_path/'student.json')
    x = np.random.RandomState(0).rand(3, 3, net.cfg.size, net.cfg.size).astype(np.float32)
    import torch
    with torch.no_grad(): want = catdog.load_model('student')(torch.from_numpy(x)).numpy()
    assert net(x).shape == (3, 2) and np.abs(net(x) - want).max() < 1e-4


def test_catdog_py_chooses_engine(sure_images, tmp_path):
    "`python catdog.py` with `CATDOG_BACKEND=onnx` never imports torch and prints what the package predicts; a bad value is one line."
    img = sure_images['dog']
    env = {**os.environ, 'CATDOG_BACKEND': 'onnx', 'OMP_NUM_THREADS': '1'}
    code = f"import sys, catdog; print(catdog.BACKEND, *catdog.predict(r'{img}'), 'torch' in sys.modules)"
    shutil.copy(ROOT/'catdog.py', tmp_path)
    r = subprocess.run([sys.executable, '-c', code], cwd=tmp_path, env={**env, 'CATDOG_MODELS': str(ROOT/'models')}, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    engine, label, p, torch_imported = r.stdout.split()
    want = catdog.predict(img)
    assert engine == 'onnx' and label == want[0] and abs(float(p) - want[1]) < 1e-4 and torch_imported == 'False'
    r = subprocess.run([sys.executable, 'catdog.py', str(img)], cwd=tmp_path, env={**env, 'CATDOG_BACKEND': 'tensorflow'}, capture_output=True, text=True)
    assert r.returncode != 0 and 'CATDOG_BACKEND' in r.stderr


def test_fresh_venv_predict_requirements_only(sure_images, tmp_path):
    "A fresh virtual environment with only requirements-predict.txt (from the package index) runs `python catdog.py photo.jpg` beside cnn.onnx + cnn.json, without torch."
    venv = tmp_path/'venv'
    subprocess.run([sys.executable, '-m', 'venv', venv], check=True)
    py = venv/'bin'/'python'
    r = subprocess.run([py, '-m', 'pip', 'install', '-q', '-r', ROOT/'requirements-predict.txt'], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    here = tmp_path/'here'; here.mkdir()
    shutil.copy(ROOT/'catdog.py', here)
    for suffix in ('.onnx', '.json'): shutil.copy(ROOT/'models'/f'cnn{suffix}', here)
    env = {k: v for k, v in os.environ.items() if k not in ('PYTHONPATH', 'CATDOG_MODELS', 'CATDOG_BACKEND')}
    r = subprocess.run([py, '-c', 'import torch'], capture_output=True, text=True, env=env)
    assert r.returncode != 0   # torch really is absent
    img = sure_images['dog']
    r = subprocess.run([py, 'catdog.py', img], cwd=here, capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    path, label, p = r.stdout.strip().split('\t')
    want = catdog.predict(img)
    assert path == str(img) and label == want[0] and abs(float(p) - want[1]) < 1e-4
