package io.gatehouse.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Turns JMH JSON results ({@code -rf json}) into the Markdown tables of the README, each row with
 * its ratio to the baseline it is compared with, taken from the same file (the same run).
 *
 * <p>Run: {@code java -cp benchmarks/target/gateway-benchmarks.jar
 * io.gatehouse.benchmarks.ResultTables results.json...}.
 */
public final class ResultTables {

    /** Benchmark (simple name) to the baseline its ratio is computed against. */
    private static final Map<String, String> BASELINES = new LinkedHashMap<>();

    static {
        BASELINES.put("oneLimitHotKey", "bucket4jHotKey");
        BASELINES.put("oneLimitHotKeyVerdict", "bucket4jHotKey");
        BASELINES.put("threeLimitsHotKey", "bucket4jHotKey");
        BASELINES.put("threeAlgorithmsHotKey", "bucket4jHotKey");
        BASELINES.put("oneLimitManyKeys", "bucket4jManyKeys");
        BASELINES.put("refusedHotKey", "bucket4jRefusedHotKey");
        BASELINES.put("bucket4jThreeLimitsHotKey", "bucket4jHotKey");
        BASELINES.put("guavaHotKey", "bucket4jHotKey");
        BASELINES.put("emptyLimiter", "bucket4jHotKey");
        BASELINES.put("inMemoryOneLimit", "emptyGateway");
        BASELINES.put("inMemoryThreeLimits", "emptyGateway");
    }

    private ResultTables() {
    }

    public static void main(String[] args) throws IOException {
        ObjectMapper json = new ObjectMapper();
        for (String file : args) {
            JsonNode results = json.readTree(new File(file));
            Map<String, JsonNode> byName = new LinkedHashMap<>();
            for (JsonNode result : results) {
                String name = result.get("benchmark").asText();
                byName.put(name.substring(name.lastIndexOf('.') + 1), result);
            }
            if (byName.isEmpty()) {
                continue;
            }
            JsonNode first = byName.values().iterator().next();
            boolean redis = first.get("benchmark").asText().contains("Redis");
            System.out.printf(Locale.ROOT, "%n%s (threads: %d)%n%n", file,
                    first.get("threads").asInt());
            if (redis) {
                redisTable(byName);
            } else {
                timeTable(byName);
            }
        }
    }

    private static void timeTable(Map<String, JsonNode> byName) {
        System.out.println("| benchmark | ns/op | ± (99.9%) | B/op | ratio | to |");
        System.out.println("|---|---:|---:|---:|---:|---|");
        for (Map.Entry<String, JsonNode> entry : byName.entrySet()) {
            JsonNode metric = entry.getValue().get("primaryMetric");
            double score = metric.get("score").asDouble();
            String baseline = BASELINES.get(entry.getKey());
            String ratio = "";
            if (baseline != null && byName.containsKey(baseline)) {
                double base = byName.get(baseline).get("primaryMetric").get("score").asDouble();
                ratio = String.format(Locale.ROOT, "%.2fx", score / base);
            } else {
                baseline = "";
            }
            JsonNode alloc = entry.getValue().path("secondaryMetrics")
                    .path("gc.alloc.rate.norm").path("score");
            System.out.printf(Locale.ROOT, "| %s | %.1f | %.1f | %s | %s | %s |%n",
                    entry.getKey(), score, error(metric),
                    alloc.isMissingNode() ? "" : String.format(Locale.ROOT, "%.1f",
                            alloc.asDouble()),
                    ratio, baseline);
        }
    }

    private static void redisTable(Map<String, JsonNode> byName) {
        JsonNode ping = byName.get("ping");
        double pingScore = ping == null ? Double.NaN
                : ping.get("primaryMetric").get("score").asDouble();
        System.out.println("| benchmark | decisions/s | ± (99.9%) | % of PING |");
        System.out.println("|---|---:|---:|---:|");
        for (Map.Entry<String, JsonNode> entry : byName.entrySet()) {
            JsonNode metric = entry.getValue().get("primaryMetric");
            double score = metric.get("score").asDouble();
            System.out.printf(Locale.ROOT, "| %s | %.0f | %.0f | %.1f%% |%n", entry.getKey(),
                    score, error(metric), 100 * score / pingScore);
        }
    }

    private static double error(JsonNode metric) {
        double error = metric.get("scoreError").asDouble();
        return Double.isNaN(error) ? 0 : error;
    }
}
