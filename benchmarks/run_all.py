"""Run every benchmark in turn (``bash run.sh bench``)."""

import bench_batching
import bench_denoising
import bench_imputation

if __name__ == "__main__":
    for module in (bench_batching, bench_denoising, bench_imputation):
        print(f"\n=== {module.__name__} ===")
        module.main([])
