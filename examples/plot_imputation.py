"""
Imputation error against scikit-learn's imputers
================================================

Values are removed completely at random from the diabetes table at three
rates; each imputer fills them and we measure the RMSE on the removed entries
in standardized units. :class:`~sklearn_ae.AEImputer` goes where
``SimpleImputer``, ``KNNImputer`` and ``IterativeImputer`` go.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer, KNNImputer, SimpleImputer

from sklearn_ae import AEImputer

# IterativeImputer keeps its defaults (10 rounds), after which it warns that
# its stopping criterion was not reached; the warning is expected here.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

X = load_diabetes().data
scale = X.std(axis=0)
rates = [0.1, 0.2, 0.4]
imputers = {
    "mean": lambda: SimpleImputer(),
    "knn": lambda: KNNImputer(),
    "iterative": lambda: IterativeImputer(random_state=0),
    "AEImputer": lambda: AEImputer(max_iter=100, random_state=0),
}
rmse = {name: [] for name in imputers}
rng = np.random.RandomState(0)
for rate in rates:
    holes = rng.uniform(size=X.shape) < rate
    X_missing = np.where(holes, np.nan, X)
    for name, make in imputers.items():
        filled = make().fit_transform(X_missing)
        rmse[name].append(np.sqrt(np.mean(((filled - X) / scale)[holes] ** 2)))

fig, ax = plt.subplots(figsize=(7, 4))
width = 0.2
for i, (name, values) in enumerate(rmse.items()):
    ax.bar(np.arange(len(rates)) + i * width, values, width, label=name)
ax.set_xticks(np.arange(len(rates)) + 1.5 * width, [f"{r:.0%} missing" for r in rates])
ax.set_ylabel("RMSE on removed entries (std units)")
ax.set_title("Imputing diabetes with values removed at random")
ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
fig.tight_layout()
for name, values in rmse.items():
    print(name, " ".join(f"{v:.3f}" for v in values))
plt.show()
