"""Interrupted training loses nothing: kill `catdog train` at any point, resume it, and get the weights of an uninterrupted run."""
import json, os, signal, subprocess, sys, time
from pathlib import Path
import pytest, torch
from cli_helpers import ROOT, catdog_cli, make_tiny_data

# a tiny run: 240 training and 60 validation images at 64 px, a quarter-width network, one thread
ARGS = ['--epochs', '3', '--size', '64', '--width', '0.25', '--bs', '16', '--threads', '1', '--seed', '1']


@pytest.fixture(scope='module')
def whole(tmp_path_factory):
    "An uninterrupted run: its folder, the command's common arguments and environment, and how long it took."
    tmp = tmp_path_factory.mktemp('resume')
    data = make_tiny_data(tmp/'data', 300)
    env = {'CATDOG_CACHE': str(tmp/'cache')}
    common = ['train', '--data', data, *ARGS, '--runs', tmp/'runs']
    t0 = time.time()
    r = catdog_cli(*common, '--model', 'whole', '--out', tmp/'whole', env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    return dict(tmp=tmp, common=common, env=env, seconds=time.time() - t0)


def _killed_run(whole: dict, name: str, when) -> int:
    "Start the run `name`, SIGKILL it as soon as `when(checkpoint file)` is true, and return the epochs its checkpoint holds (0: none yet)."
    tmp, ckpt = whole['tmp'], whole['tmp']/'runs'/name/'last.pth'
    p = subprocess.Popen([sys.executable, '-m', 'catdog.cli', *map(str, whole['common']), '--model', name, '--out', tmp/name],
                         cwd=ROOT, env={**os.environ, 'OMP_NUM_THREADS': '1', **whole['env']},
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not when(ckpt) and p.poll() is None: time.sleep(0.01)
    p.send_signal(signal.SIGKILL); p.wait()
    assert p.returncode == -signal.SIGKILL, 'the run finished before it could be interrupted'
    assert not (tmp/name/f'{name}.pt').exists()
    return torch.load(ckpt, weights_only=True)['epochs_done'] if ckpt.exists() else 0


def _epoch_seconds(whole: dict) -> float:
    "Seconds one epoch of the uninterrupted run took (fastai's CSV log: mm:ss per epoch)."
    rows = (whole['tmp']/'runs'/'whole'/'history.csv').read_text().splitlines()[1:]
    return max(int(r.split(',')[-1].split(':')[0]) * 60 + int(r.split(',')[-1].split(':')[1]) for r in rows) or 1


def _before_first_checkpoint(whole: dict):
    "A kill point: training has started (its run folder exists) but no epoch is saved."
    return lambda f: f.parent.exists()


def _after_first_checkpoint(whole: dict):
    "A kill point: the moment the first epoch's checkpoint exists."
    return lambda f: f.exists()


def _mid_second_epoch(whole: dict):
    "A kill point: half an epoch after the first checkpoint, in the middle of the second epoch."
    seen = []
    def when(f: Path) -> bool:
        "True half an epoch after `f` first exists."
        if f.exists() and not seen: seen.append(time.time())
        return bool(seen) and time.time() - seen[0] >= 0.5 * _epoch_seconds(whole)
    return when


@pytest.mark.parametrize('name,point', [('before', _before_first_checkpoint), ('first', _after_first_checkpoint), ('mid', _mid_second_epoch)])
def test_resume_after_kill_matches_uninterrupted(whole, name, point):
    "A run killed before any checkpoint, just after the first, or in the middle of an epoch, and resumed, ends with exactly the weights and accuracy of an uninterrupted run, and a history of one header and one row per epoch."
    done = _killed_run(whole, name, point(whole))
    assert done < 3 and (done == 0) == (name == 'before')
    tmp = whole['tmp']
    r = catdog_cli(*whole['common'], '--model', name, '--out', tmp/name, '--resume', env=whole['env'])
    assert r.returncode == 0, r.stderr[-3000:]
    assert (f'resuming after epoch {done}' if done else 'starting from scratch') in r.stdout + r.stderr
    a, b = (json.loads((tmp/n/f'{n}.json').read_text()) for n in ('whole', name))
    assert a['valid_accuracy'] == b['valid_accuracy']
    wa, wb = (torch.load(tmp/n/f'{n}.pt', weights_only=True) for n in ('whole', name))
    assert wa.keys() == wb.keys()
    differ = [k for k in wa if not torch.equal(wa[k], wb[k])]
    assert not differ, f"{len(differ)} tensors differ after resuming, e.g. {differ[:3]}"
    head, *rows = (tmp/'runs'/name/'history.csv').read_text().splitlines()   # one header, one full row per epoch
    assert head == (tmp/'runs'/'whole'/'history.csv').read_text().splitlines()[0], head
    assert [r.split(',')[0] for r in rows] == ['0', '1', '2'] and all('' not in r.split(',') for r in rows), rows


def test_checkpoint_is_one_file(whole):
    "The checkpoint is one file, loadable with weights_only=True, holding model, optimiser, random states and the epoch count."
    files = sorted(p.name for p in (whole['tmp']/'runs'/'whole').iterdir())
    assert files == ['history.csv', 'last.pth'], files
    ck = torch.load(whole['tmp']/'runs'/'whole'/'last.pth', weights_only=True)
    assert ck['epochs_done'] == 3 and set(ck) == {'epochs_done', 'model', 'opt', 'rng'}
    assert set(ck['rng']) == {'python', 'numpy', 'torch', 'loader'} and len(ck['opt']['state']) > 0


def test_atomic_write_survives_a_kill(tmp_path):
    "A process killed in the middle of `atomic_write` leaves the old file whole; a write that fails leaves it whole and no temporary file."
    import catdog
    f = tmp_path/'data.json'; f.write_text('old')
    code = (f"import os, signal, catdog\nwith catdog.atomic_write({str(f)!r}) as t:\n    t.write_text('half')\n"
            "    os.kill(os.getpid(), signal.SIGKILL)")
    r = subprocess.run([sys.executable, '-c', code], cwd=ROOT)
    assert r.returncode == -signal.SIGKILL and f.read_text() == 'old'
    orphans = sorted(tmp_path.glob('.data.json.*'))   # what a kill leaves: a hidden temporary file, never the real name half-written
    with pytest.raises(RuntimeError):
        with catdog.atomic_write(f) as t: t.write_text('half'); raise RuntimeError('disk full')
    assert f.read_text() == 'old' and sorted(tmp_path.glob('.data.json.*')) == orphans
    with catdog.atomic_write(f) as t: t.write_text('new')
    assert f.read_text() == 'new' and sorted(tmp_path.glob('.data.json.*')) == orphans
