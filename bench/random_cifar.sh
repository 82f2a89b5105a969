#!/usr/bin/env bash
# A CIFAR-10-format folder of random images, for timing runs on CIFAR-sized
# data where the real set is not at hand (no Debian package ships it):
# data_batch_1..5.bin and test_batch.bin, each IMAGES records of one label
# byte (cycling 0..9) and 3072 pixel bytes. Seeded: the same bytes every time.
# Nothing can be learnt from them; the time per epoch does not depend on it.
#
#   bash bench/random_cifar.sh DIR [IMAGES]   (default IMAGES: 10000, 50 000 to train)
set -euo pipefail
dir=${1:?usage: bash bench/random_cifar.sh DIR [IMAGES]} images=${2:-10000}
[[ $images =~ ^[1-9][0-9]*$ ]] || { echo "random_cifar.sh: IMAGES must be a positive integer, got '$images'" >&2; exit 2; }
mkdir -p "$dir"
perl -e 'srand(1); my ($dir, $n) = @ARGV;
  for $f (1..6) {
    open(F, ">", $dir . ($f < 6 ? "/data_batch_$f.bin" : "/test_batch.bin")) or die "$dir: $!";
    binmode F;
    for $i (1..$n) { print F pack("C", $i % 10), pack("C*", map { int(rand(256)) } 1..3072) }
    close F
  }' "$dir" "$images"
