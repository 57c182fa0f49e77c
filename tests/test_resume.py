"""Interrupted training loses nothing: kill `catdog train` mid-run, resume it, and get the weights of an uninterrupted run."""
import json, os, signal, subprocess, sys, time
from pathlib import Path
import pytest, torch
from cli_helpers import ROOT, catdog_cli, make_tiny_data

# a tiny run: 240 training and 60 validation images at 64 px, a quarter-width network, one thread
ARGS = ['--epochs', '3', '--size', '64', '--width', '0.25', '--bs', '16', '--threads', '1', '--seed', '1']


def test_resume_after_kill_matches_uninterrupted(tmp_path):
    "A run killed after its first checkpoint and resumed ends with exactly the weights and accuracy of an uninterrupted run."
    data = make_tiny_data(tmp_path/'data', 300)
    env = {'CATDOG_CACHE': str(tmp_path/'cache')}
    common = ['train', '--data', data, *ARGS, '--runs', tmp_path/'runs']
    r = catdog_cli(*common, '--model', 'whole', '--out', tmp_path/'whole', env=env)
    assert r.returncode == 0, r.stderr[-3000:]

    # the same run, killed (SIGKILL: no clean-up) as soon as the first epoch's checkpoint exists
    ckpt = tmp_path/'runs'/'part'/'last.json'
    p = subprocess.Popen([sys.executable, '-m', 'catdog.cli', *map(str, common), '--model', 'part', '--out', tmp_path/'part'],
                         cwd=ROOT, env={**os.environ, 'OMP_NUM_THREADS': '1', **env},
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.time()
    while not ckpt.exists() and p.poll() is None and time.time() - t0 < 300: time.sleep(0.02)
    p.send_signal(signal.SIGKILL); p.wait()
    assert p.returncode == -signal.SIGKILL, 'the run finished before it could be interrupted'
    done = json.loads(ckpt.read_text())['epochs_done']
    assert 1 <= done < 3 and not (tmp_path/'part'/'part.pt').exists()

    r = catdog_cli(*common, '--model', 'part', '--out', tmp_path/'part', '--resume', env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    assert f'resuming after epoch {done}' in r.stdout + r.stderr

    a, b = (json.loads((tmp_path/n/f'{n}.json').read_text()) for n in ('whole', 'part'))
    assert a['valid_accuracy'] == b['valid_accuracy']
    wa, wb = (torch.load(tmp_path/n/f'{n}.pt', weights_only=True) for n in ('whole', 'part'))
    assert wa.keys() == wb.keys()
    differ = [k for k in wa if not torch.equal(wa[k], wb[k])]
    assert not differ, f"{len(differ)} tensors differ after resuming, e.g. {differ[:3]}"
