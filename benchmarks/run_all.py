"""Run every benchmark in turn (``bash run.sh bench``)."""

import bench_batching
import bench_denoising
import bench_generation
import bench_images
import bench_imputation
import bench_outliers
import bench_persistence

if __name__ == "__main__":
    modules = (
        bench_batching,
        bench_denoising,
        bench_images,
        bench_imputation,
        bench_outliers,
        bench_generation,
        bench_persistence,
    )
    for module in modules:
        print(f"\n=== {module.__name__} ===")
        module.main() if module is bench_persistence else module.main([])
