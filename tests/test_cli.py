"""The `catdog` command line: every sub-command once, on tiny inputs, in fresh processes; exit codes and messages."""
import json, subprocess, sys
from pathlib import Path
import pytest
from PIL import Image
import catdog
from cli_helpers import ROOT, catdog_cli, make_tiny_data

PAIRS = ROOT.parent/'shared'/'data'/'pairs'   # photos larger than the network's input

COMMANDS = ('predict', 'attack', 'explain', 'train', 'evaluate', 'export', 'bench', 'docs')


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    "A folder of 100 labelled images (50 cats, 50 dogs) in Kaggle naming."
    return make_tiny_data(tmp_path_factory.mktemp('tiny'), 100)


@pytest.mark.parametrize('cmd', ('',) + COMMANDS)
def test_help_everywhere(cmd):
    "`catdog --help` and `catdog CMD --help` print usage and exit 0."
    r = catdog_cli(*([cmd] if cmd else []), '--help')
    assert r.returncode == 0 and 'usage: catdog' in r.stdout


def test_bad_arguments_exit_2():
    "Unknown commands, options and values are usage errors (exit 2) with a message, not tracebacks."
    for args in (['frobnicate'], ['predict'], ['predict', '--nope', 'x.jpg'], ['attack', 'a.jpg', 'b.jpg'],
                 ['attack', 'a.jpg', 'b.png', '--eps', '7'], ['explain', 'a.jpg', 'b.png', '--method', 'magic'],
                 ['train', '--epochs', '0']):
        r = catdog_cli(*args)
        assert r.returncode == 2 and 'error' in r.stderr and 'Traceback' not in r.stderr, (args, r.stderr)


def test_predict_table_json_and_bad_files(tiny, tmp_path):
    "A folder gives a table (and a progress bar), `--json` a list; a missing or broken file: message naming it, exit 1, others kept."
    r = catdog_cli('predict', tiny)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert lines[0].split() == ['file', 'label', 'probability'] and len(lines) == 101 and 'predict [' in r.stderr
    r = catdog_cli('predict', '--json', tiny)
    rows = json.loads(r.stdout)
    assert len(rows) == 100 and {row['label'] for row in rows} <= {'cat', 'dog'}
    right = sum(row['label'] == Path(row['file']).name.split('.')[0] for row in rows)
    assert right >= 85, f"only {right}/100 right"
    bad = tmp_path/'broken.jpg'; bad.write_text('not an image')
    one = sorted((tiny/'train').glob('cat.*'))[0]
    r = catdog_cli('predict', one, bad, tmp_path/'missing.jpg')
    assert r.returncode == 1 and 'Traceback' not in r.stderr
    assert 'broken.jpg' in r.stderr and 'missing.jpg' in r.stderr and one.name in r.stdout
    r = catdog_cli('predict', '--model', 'no-such-model', one)
    assert r.returncode == 2 and 'no-such-model' in r.stderr
    r = catdog_cli('predict', tmp_path/'empty_dir_that_is_missing')
    assert r.returncode == 1


def test_predict_never_imports_fastai(tiny):
    "`catdog predict` (the console script's `main`) never imports fastai."
    img = sorted((tiny/'train').glob('dog.*'))[0]
    code = f"import sys; from catdog.cli import main; rc = main(['predict', r'{img}']); assert 'fastai' not in sys.modules, 'fastai imported'; sys.exit(rc)"
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr


def test_attack_and_explain(tiny, tmp_path):
    "`attack` writes a same-size PNG within ε; `explain` writes an overlay PNG; bad inputs name the file and exit 1."
    img = sorted((tiny/'train').glob('cat.*'))[0]
    r = catdog_cli('attack', img, tmp_path/'adv.png', '--eps', '2/255', '--steps', '3')
    assert r.returncode == 0, r.stderr
    adv = Image.open(tmp_path/'adv.png')
    assert adv.size == Image.open(img).size and 'at most' in r.stdout
    r = catdog_cli('explain', tmp_path/'adv.png', tmp_path/'why.png', '--target', 'cat')
    assert r.returncode == 0, r.stderr
    assert Image.open(tmp_path/'why.png').size[0] > 400
    bad = tmp_path/'broken.jpg'; bad.write_text('not an image')
    for cmd in ('attack', 'explain'):
        for src in (bad, tmp_path/'missing.jpg'):
            r = catdog_cli(cmd, src, tmp_path/'x.png')
            assert r.returncode == 1 and src.name in r.stderr and 'Traceback' not in r.stderr


def test_train_tiny(tiny, tmp_path):
    "`catdog train` on 100 images for one epoch ships a model card and weights in `--out`, checkpoints in `--runs`."
    r = catdog_cli('train', '--data', tiny, '--model', 'tiny', '--epochs', '1', '--size', '64', '--width', '0.25',
                   '--bs', '16', '--threads', '1', '--out', tmp_path/'models', '--runs', tmp_path/'runs',
                   env={'CATDOG_CACHE': str(tmp_path/'cache')})
    assert r.returncode == 0, r.stderr[-3000:]
    card = json.loads((tmp_path/'models'/'tiny.json').read_text())
    assert card['epochs'] == 1 and card['valid_images'] == 20 and (tmp_path/'models'/'tiny.pt').exists()
    assert (tmp_path/'runs'/'tiny'/'last.pth').exists()
    r = catdog_cli('train', '--data', tmp_path/'nowhere', '--epochs', '1')
    assert r.returncode == 1 and 'nowhere' in r.stderr and 'Traceback' not in r.stderr


def test_evaluate(tiny, tmp_path):
    "`catdog evaluate`: the validation split (a sample), a folder of labelled images with noise, and a missing folder."
    r = catdog_cli('evaluate', '--limit', '60', '--json', '--quiet')
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    assert res['images'] == 60 and res['accuracy'] > 0.85
    r = catdog_cli('evaluate', '--data', tiny, '--limit', '40', '--noise', 'gaussian', '--level', '0.2', '--json', '--quiet')
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    assert res['images'] == 40 and res['noise'] == 'gaussian' and res['accuracy'] >= 0.6   # chance is 0.5
    r = catdog_cli('evaluate', '--data', tmp_path/'nowhere')
    assert r.returncode == 1 and 'nowhere' in r.stderr
    r = catdog_cli('evaluate', '--level', '0.3')
    assert r.returncode == 2


def test_evaluate_quiet_when_building_the_cache(tiny, tmp_path):
    "`catdog evaluate --quiet` on a data set not yet decoded into the cache builds the cache without drawing a bar; without `--quiet` the bar shows."
    env = {'CATDOG_DATA': str(tiny), 'CATDOG_CACHE': str(tmp_path/'cache')}
    r = catdog_cli('evaluate', '--limit', '10', '--quiet', env=env)
    assert r.returncode == 0 and r.stdout.startswith('cnn on the fixed validation split (10 images)'), r.stdout + r.stderr
    assert '|' not in r.stdout + r.stderr, r.stdout + r.stderr   # fastprogress draws its bar as ' |███---| 12.00% [...]'
    assert list((tmp_path/'cache').glob('images-*.json'))
    r = catdog_cli('evaluate', '--limit', '10', env={**env, 'CATDOG_CACHE': str(tmp_path/'cache2')})
    assert r.returncode == 0 and '|' in r.stdout + r.stderr, r.stdout + r.stderr


def test_bench_quick(tmp_path):
    "`catdog bench --quick` writes every section of the benchmark to its JSON file and prints the tables."
    out = tmp_path/'bench.json'
    r = catdog_cli('bench', '--quick', '--models', 'cnn', '--out', out)
    assert r.returncode == 0, r.stderr[-3000:]
    res = json.loads(out.read_text())
    assert res['quick'] and res['machine']['cores'] >= 1 and res['training'][0]['train_img_per_s'] > 0
    p = res['predict'][0]
    assert p['model'] == 'cnn' and p['cold_start_s'] > 0 and p['warm_predict_ms'] > 0 and p['batch_img_per_s'] > 0
    assert res['attack_s'] > 0 and res['explain_s']['gradcam'] > 0 and '| model |' in r.stdout
    engines = {e['engine']: e for e in res['engines']}
    assert set(engines) == {'import torch alone', 'catdog.py on ONNX Runtime', 'catdog.py on PyTorch'} and '| catdog.py engine |' in r.stdout
    assert all(e['cold_start_s'] > 0 for e in engines.values()) and engines['catdog.py on ONNX Runtime']['installed_mb'] > 0


def test_attack_is_bounded_and_shows_progress(tmp_path):
    "`catdog attack --help` states the bound on the work; a run draws its progress on stderr; an attack that fails says so, and why."
    r = catdog_cli('attack', '--help')
    assert r.returncode == 0 and '110' in r.stdout and 'at most 100' in r.stdout
    r = catdog_cli('attack', PAIRS/'corgi_cat_meadow.jpg', tmp_path/'a.png', '--eps', '1/255', '--steps', '1')
    assert r.returncode == 0 and 'attack, try 1/4' in r.stderr, r.stderr
    assert 'not fooled: 4 tries (11 PGD steps)' in r.stderr and 'try --eps 2/255' in r.stderr, r.stderr
    assert catdog.predict(tmp_path/'a.png')[0] == 'dog'


def test_explain_reports_predicts_probability(tmp_path):
    "`catdog explain` on a photo larger than the network's input reports the label and probability `catdog.predict` gives the file."
    for name in ('bengal_collie.jpg', 'd2l_puppy_kitten.jpg'):
        label, p = catdog.predict(PAIRS/name)
        r = catdog_cli('explain', PAIRS/name, tmp_path/'e.png')
        assert r.returncode == 0 and f"model says {label} {p:.2f}" in r.stdout, (r.stdout, label, p)


@pytest.mark.parametrize('module,command', [('catdog.train', 'train'), ('catdog.interpret', 'explain')])
def test_old_entry_points_are_aliases(module, command):
    "`python -m catdog.train` and `python -m catdog.interpret` are the `catdog train` and `catdog explain` commands, nothing more."
    r = subprocess.run([sys.executable, '-m', module, '--help'], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0 and f'usage: catdog {command}' in r.stdout, r.stderr[-2000:]


def test_evaluate_by_breed(tmp_path):
    "`catdog evaluate --by breed` on Oxford-style names: per-breed accuracies and counts that add up to the overall figure."
    src = ROOT.parent/'shared'/'data'/'oxford-dev'
    picks = {'cat': ['Sphynx_1.jpg', 'Sphynx_107.jpg', 'Bengal_111.jpg'], 'dog': ['beagle_156.jpg', 'pug_104.jpg']}
    for cls, names in picks.items():
        (tmp_path/cls).mkdir()
        for n in names: (tmp_path/cls/n).symlink_to(src/cls/n)
    r = catdog_cli('evaluate', '--data', tmp_path, '--by', 'breed', '--json', '--quiet')
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    by = res['by_breed']
    assert set(by) == {'Sphynx', 'Bengal', 'beagle', 'pug'} and by['Sphynx']['images'] == 2 and sum(v['images'] for v in by.values()) == 5
    assert abs(sum(v['accuracy'] * v['images'] for v in by.values()) / 5 - res['accuracy']) < 1e-3
    r = catdog_cli('evaluate', '--by', 'breed')
    assert r.returncode == 2 and '--by needs --data' in r.stderr
