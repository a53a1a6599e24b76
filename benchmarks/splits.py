"""The fixed tuning / confirming halves of every benchmark family.

Defaults chosen by measurement are chosen on the **tuning** half only, with
seeds that are not reported (``TUNING_SEEDS``); the benchmarks report the
**confirming** half and the total with ``REPORT_SEEDS``.

The halves were drawn once, by ``numpy.random.RandomState(20261122)``
permuting the sorted file names (tabular first, then embeddings), not picked
by hand::

    tab = sorted(stems of ../shared/data/adbench/*.npz)
    emb = sorted(stems of ../shared/data/adbench_embeddings/*.npz)
    rng = np.random.RandomState(20261122)
    t, e = rng.permutation(tab), rng.permutation(emb)
    tuning = t[:12], e[:3]; confirming = t[12:], e[3:]
"""

from __future__ import annotations

#: Seeds used while choosing defaults; never reported as results.
TUNING_SEEDS = (10, 11)

#: Seeds of every reported table.
REPORT_SEEDS = (0, 1, 2)

OUTLIER_TABULAR = {
    "tuning": [
        "6_cardio",
        "7_Cardiotocography",
        "12_fault",
        "14_glass",
        "20_letter",
        "27_PageBlocks",
        "29_Pima",
        "35_SpamBase",
        "39_vertebral",
        "44_Wilt",
        "46_WPBC",
        "47_yeast",
    ],
    "confirming": [
        "4_breastw",
        "15_Hepatitis",
        "18_Ionosphere",
        "21_Lymphography",
        "31_satimage-2",
        "37_Stamps",
        "38_thyroid",
        "40_vowels",
        "41_Waveform",
        "42_WBC",
        "43_WDBC",
        "45_wine",
    ],
}

OUTLIER_EMBEDDINGS = {
    "tuning": ["CIFAR10_4", "SVHN_0", "SVHN_8"],
    "confirming": ["CIFAR10_0", "CIFAR10_6", "SVHN_9"],
}

#: Outlier sets built from R's datasets by ``external_sets.py``'s fixed rule
#: (a family added after every earlier default was chosen), halved by
#: ``RandomState(20261203)`` permuting the sorted names (10 tuning, 11
#: confirming). *Disclosure*: all 21 were first scored once, with report
#: seeds, before this split was drawn (the current default, PyOD's KNN and
#: four variants of the mixed-unit rule; ``docs/benchmarks.rst``).
OUTLIER_EXTERNAL = {
    "tuning": [
        "Chile",
        "Crime",
        "Fishing",
        "GaltonFamilies",
        "MedExp",
        "Mode",
        "Mroz",
        "PatentsHGH",
        "SumHes",
        "Yogurt",
    ],
    "confirming": [
        "Computers",
        "Cracker",
        "Hedonic",
        "Housing",
        "Kakadu",
        "OME",
        "Tobacco",
        "Tuna",
        "Wages",
        "diamonds",
        "spruce",
    ],
}

#: Imputation tables (bench_imputation.py): the 9 tables, halved the same way
#: (RandomState(20261122) on the sorted names, 5 tuning + 4 confirming).
IMPUTATION = {
    "tuning": ["12_fault", "29_Pima", "47_yeast", "6_cardio", "wine"],
    "confirming": ["38_thyroid", "44_Wilt", "breast_cancer", "diabetes"],
}

#: Synthetic tables (bench_generation.py). The confirming half is the three
#: tables reported from the start (scikit-learn's, wine as in the gallery);
#: the tuning half, added later, is four mixed tables bundled with
#: statsmodels (a benchmark extra), on which no default had been chosen.
GENERATION = {
    "tuning": ["anes96", "modechoice", "fair", "randhie"],
    "confirming": ["breast_cancer", "diabetes", "wine"],
}

#: Synthetic tables from R's datasets (``external_sets.generation_tables``'s
#: fixed rule: mixed tables with at least two continuous columns and a
#: predictable text target), the 16 it draws in its order: the first 8 tune,
#: the last 8 confirm. Added after every earlier generation default was
#: chosen, to check them on data outside the repository and to tune on
#: continuous tables (the statsmodels half is mostly small integer codes).
GENERATION_EXTERNAL = {
    "tuning": [
        "Cracker",
        "Crime",
        "flchain",
        "Catsup",
        "Griliches",
        "Mode",
        "PatentsHGH",
        "Tobacco",
    ],
    "confirming": [
        "diamonds",
        "Participation",
        "Yogurt",
        "UnempDur",
        "Ketchup",
        "AustralianElectionPolling",
        "DoctorAUS",
        "Treatment",
    ],
}

#: Tables of numbers and a class (``external_sets.numeric_pool_tables``'
#: fixed rule: the R tables the generation rule passes but did not draw, cut
#: to their numeric columns and target), all tuning: a condition shaped like
#: the confirming half's wine and breast_cancer, added at stop 36 after the
#: privacy gap on wine showed on no other tuning condition. No confirming half
#: of its own: the scikit-learn tables confirm.
GENERATION_POOL = {
    "tuning": [
        "Mroz",
        "Caschool",
        "DoctorContacts",
        "Fatality",
        "Fishing",
        "HI",
        "Hdma",
        "MedExp",
        "OFP",
        "Schooling",
        "VietNamH",
        "midwest",
        "GaltonFamilies",
        "crabs",
        "epil",
        "cgd",
        "pbc",
    ],
    "confirming": [],
}

#: Denoising: the tuning half is sklearn's digits rows with an even index,
#: the confirming half those with an odd index (bench_denoising.py), so no
#: reported test image was seen while choosing a default.
DENOISING = {"tuning": "digits[0::2]", "confirming": "digits[1::2]"}


def half(family: dict, name: str) -> list[str]:
    """``family[name]`` or, for ``"all"``, both halves (tuning first)."""
    if name == "all":
        return [*family["tuning"], *family["confirming"]]
    return list(family[name])
