"""Beyond one process: joblib's dask backend on a local cluster, and Hugging Face Accelerate."""

import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV

from sklearn_ae import AEOutlierDetector, AutoencoderTransformer, DenoisingAE

X = load_digits().data[:400]


def test_grid_search_on_a_dask_cluster_of_processes_matches_the_sequential_search():
    distributed = pytest.importorskip("distributed")
    joblib = pytest.importorskip("joblib")
    grid = {"n_components": [4, 8], "alpha": [1e-4, 1e-2]}
    make = lambda: GridSearchCV(  # noqa: E731
        AutoencoderTransformer(max_iter=5, random_state=0, device="cpu"), grid, cv=2
    )
    sequential = make().fit(X)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        with joblib.parallel_backend("dask"):
            on_cluster = make().set_params(n_jobs=-1).fit(X)
        # the work ran in the workers' processes, not in this one
        assert len(client.scheduler_info()["workers"]) == 2
    assert on_cluster.best_params_ == sequential.best_params_
    np.testing.assert_allclose(
        on_cluster.cv_results_["mean_test_score"], sequential.cv_results_["mean_test_score"]
    )


@pytest.fixture
def accelerator():
    accelerate = pytest.importorskip("accelerate")
    return accelerate.Accelerator(cpu=True)


@pytest.mark.parametrize("Est", [AutoencoderTransformer, DenoisingAE, AEOutlierDetector])
def test_accelerate_on_one_process_trains_the_same_model(Est, accelerator):
    plain = Est(max_iter=4, random_state=0, device="cpu").fit(X)
    accelerated = Est(max_iter=4, random_state=0, accelerator=accelerator).fit(X)
    assert type(accelerated.net_).__name__ == "AcceleratedAutoencoderNet"
    method = "score_samples" if Est is AEOutlierDetector else "transform"
    expected = getattr(plain, method)(X)
    np.testing.assert_allclose(getattr(accelerated, method)(X), expected, rtol=1e-6, atol=1e-6)
    # a fitted model pickles, infers, and trains on through its accelerator
    loaded = pickle.loads(pickle.dumps(accelerated))
    np.testing.assert_allclose(getattr(loaded, method)(X), expected, rtol=1e-6, atol=1e-6)
    accelerated.partial_fit(X)
    assert accelerated.n_iter_ == plain.n_iter_ + 1
    loaded.partial_fit(X)
    np.testing.assert_allclose(
        getattr(loaded, method)(X), getattr(accelerated, method)(X), rtol=1e-6, atol=1e-6
    )
    assert clone(accelerated).accelerator is not None


def test_an_accelerated_model_saves_in_the_safe_format(accelerator, tmp_path):
    from sklearn_ae import load

    ae = AutoencoderTransformer(max_iter=3, random_state=0, accelerator=accelerator).fit(X)
    ae.save(tmp_path / "ae.safetensors")
    loaded = load(tmp_path / "ae.safetensors")
    assert loaded.accelerator is None  # a training arrangement, not part of the model
    np.testing.assert_array_equal(loaded.transform(X), ae.transform(X))


def test_accelerator_must_be_an_accelerator():
    with pytest.raises(ValueError, match="accelerate.Accelerator.*str"):
        AutoencoderTransformer(accelerator="gpu").fit(X)


LAUNCHED = textwrap.dedent(
    """
    import sys, warnings
    import numpy as np
    warnings.simplefilter("ignore")
    from accelerate import Accelerator
    from sklearn.datasets import load_digits
    from skorch.callbacks import Callback
    from sklearn_ae import AutoencoderTransformer

    class CountBatches(Callback):
        def on_train_begin(self, net, **kwargs):
            self.n = 0
        def on_batch_end(self, net, training=False, **kwargs):
            self.n += bool(training)

    accelerator = Accelerator(cpu=True)
    X = load_digits().data[:1000]
    ae = AutoencoderTransformer(
        max_iter=3, batch_size=50, early_stopping=False, random_state=0,
        accelerator=accelerator, callbacks=[("count", CountBatches())],
    ).fit(X)
    rank = accelerator.process_index
    np.save(sys.argv[1] + f"/codes{rank}.npy", ae.transform(X))
    # one write per line: the two processes share the pipe, and a print of
    # several arguments (unbuffered) is several writes that can interleave
    count = dict(ae.net_.callbacks_)["count"].n
    sys.stdout.write(f"process {rank} of {accelerator.num_processes} batches {count}\\n")
    sys.stdout.flush()
    """
)


@pytest.mark.slow
def test_two_processes_share_the_batches_and_train_one_model(tmp_path):
    pytest.importorskip("accelerate")
    script = tmp_path / "train.py"
    script.write_text(LAUNCHED)
    # torchrun starts the processes (as `accelerate launch` does on GPUs);
    # Accelerator(cpu=True) joins them through torch.distributed's gloo backend
    command = [
        sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
        "--master_port", "29533", str(script), str(tmp_path),
    ]  # fmt: skip
    # a CPU run wherever it runs (on a one-GPU machine the second process
    # would otherwise look for a second GPU)
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    # 1000 rows in batches of 50: 20 batches an epoch, 10 for each process
    assert "process 0 of 2 batches 30" in result.stdout
    assert "process 1 of 2 batches 30" in result.stdout
    # gradients were averaged across the processes: one model in both
    np.testing.assert_allclose(
        np.load(tmp_path / "codes0.npy"), np.load(tmp_path / "codes1.npy"), rtol=1e-6, atol=1e-6
    )
