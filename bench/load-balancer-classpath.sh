# Sourced (not run) by bench/load-balancer-jmh.sh and bench/load-balancer-bursts.sh, from the repository root:
# names the module and the output directory, checks for java, and defines lb_build, which builds the module's test
# classes (they carry PickBenchmark, its generated JMH code and PickBursts) and sets $cp to run them.
module=load-balancer
out="$module/target/jmh"
mkdir -p "$out"

command -v java >/dev/null || { echo "java not found: install a JDK 17 (apt-get install openjdk-17-jdk-headless)" >&2; exit 1; }

lb_build() {
  echo "building $module (test classes: the benchmarks)..." >&2
  ./mvnw -B -q -pl "$module" test-compile
  ./mvnw -B -q -pl "$module" dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile="$(pwd)/$out/classpath.txt" >/dev/null
  cp="$module/target/test-classes:$module/target/classes:$(cat "$out/classpath.txt")"
}
