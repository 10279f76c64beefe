package io.gatehouse.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Markdown tables with ratios from the {@code result ...} lines that {@code proxy-load.sh}
 * writes: every value is the mean over the rounds of a target, and every ratio is taken between
 * those means. Usage: {@code ProxyLoadReport proxy-load.txt}.
 */
public final class ProxyLoadReport {

    private static final String DIRECT = "direct";
    private static final List<String> PEERS = List.of("jetty", "nginx");

    private ProxyLoadReport() {
    }

    /** The measured values of one target in one kind of run, one list entry per round. */
    private static final class Rounds {
        private final Map<String, List<Double>> values = new HashMap<>();

        void add(String name, double value) {
            values.computeIfAbsent(name, unused -> new ArrayList<>()).add(value);
        }

        double mean(String name) {
            List<Double> all = values.getOrDefault(name, List.of());
            return all.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        }

        double sum(String name) {
            return values.getOrDefault(name, List.of()).stream()
                    .mapToDouble(Double::doubleValue).sum();
        }

        List<Double> each(String name) {
            return values.getOrDefault(name, List.of());
        }
    }

    public static void main(String[] args) throws IOException {
        Map<String, Map<String, Rounds>> byKind = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            if (!line.startsWith("result ")) {
                continue;
            }
            String[] fields = line.split(" ");
            Map<String, String> pairs = new HashMap<>();
            for (int i = 2; i < fields.length; i++) {
                int equals = fields[i].indexOf('=');
                pairs.put(fields[i].substring(0, equals), fields[i].substring(equals + 1));
            }
            Rounds rounds = byKind.computeIfAbsent(fields[1], unused -> new LinkedHashMap<>())
                    .computeIfAbsent(pairs.get("target"), unused -> new Rounds());
            pairs.forEach((name, value) -> {
                if (!name.equals("target") && !name.equals("round")) {
                    rounds.add(name, Double.parseDouble(value));
                }
            });
        }
        Map<String, Rounds> http = byKind.getOrDefault("http", Map.of());
        if (!http.isEmpty()) {
            int roundCount = http.values().iterator().next().each("rps").size();
            System.out.printf(Locale.ROOT, "%n### HTTP GET /v1/echo (mean of %d rounds)%n%n",
                    roundCount);
            httpTable(http);
            System.out.printf(Locale.ROOT, "%nRequests/s of each round, as a share of direct in "
                    + "that round:%n%n");
            perRound(http);
        }
        Map<String, Rounds> rate = byKind.getOrDefault("sse-rate", Map.of());
        if (!rate.isEmpty()) {
            System.out.printf(Locale.ROOT, "%n### SSE events/s (16 connections, 1000 events per "
                    + "stream)%n%n");
            sseRateTable(rate);
        }
        Map<String, Rounds> first = byKind.getOrDefault("sse-first", Map.of());
        if (!first.isEmpty()) {
            System.out.printf(Locale.ROOT, "%n### SSE time to the first event (4 connections, "
                    + "the second event 20 ms later)%n%n");
            sseFirstTable(first);
        }
    }

    private static void httpTable(Map<String, Rounds> http) {
        List<String> peers = peersOf(http);
        StringBuilder header = new StringBuilder("| target | req/s | x direct |");
        StringBuilder rule = new StringBuilder("|---|---:|---:|");
        for (String peer : peers) {
            header.append(" x ").append(peer).append(" |");
            rule.append("---:|");
        }
        header.append(" p50 us | p99 us | p99 added us | proxy CPU us/req |");
        rule.append("---:|---:|---:|---:|");
        for (String peer : peers) {
            header.append(" x ").append(peer).append(" |");
            rule.append("---:|");
        }
        header.append(" all CPU us/req | x direct | proxy switches/req | errors |");
        rule.append("---:|---:|---:|---:|");
        System.out.println(header);
        System.out.println(rule);
        Rounds direct = http.get(DIRECT);
        Function<Rounds, Double> allCpu =
                rounds -> rounds.mean("proxy_cpu_us") + rounds.mean("upstream_cpu_us");
        http.forEach((target, rounds) -> {
            StringBuilder row = new StringBuilder("| ").append(target).append(" | ")
                    .append(fixed(rounds.mean("rps"), 0)).append(" | ")
                    .append(ratio(rounds.mean("rps"), direct, "rps")).append(" |");
            for (String peer : peers) {
                row.append(' ').append(ratio(rounds.mean("rps"), http.get(peer), "rps"))
                        .append(" |");
            }
            row.append(' ').append(fixed(rounds.mean("p50_us"), 0)).append(" | ")
                    .append(fixed(rounds.mean("p99_us"), 0)).append(" | ")
                    .append(direct == null ? "" : fixed(
                            rounds.mean("p99_us") - direct.mean("p99_us"), 0)).append(" | ")
                    .append(fixed(rounds.mean("proxy_cpu_us"), 1)).append(" |");
            for (String peer : peers) {
                Rounds other = http.get(peer);
                row.append(' ').append(DIRECT.equals(target) ? "" : ratio(
                        rounds.mean("proxy_cpu_us"), other, "proxy_cpu_us")).append(" |");
            }
            row.append(' ').append(fixed(allCpu.apply(rounds), 1)).append(" | ")
                    .append(direct == null ? "" : times(allCpu.apply(rounds)
                            / allCpu.apply(direct))).append(" | ")
                    .append(fixed(rounds.mean("proxy_switches"), 2)).append(" | ")
                    .append(fixed(rounds.sum("errors"), 0)).append(" |");
            System.out.println(row);
        });
    }

    private static void perRound(Map<String, Rounds> http) {
        Rounds direct = http.get(DIRECT);
        System.out.println("| target | req/s per round | share of direct per round |");
        System.out.println("|---|---|---|");
        http.forEach((target, rounds) -> {
            List<Double> each = rounds.each("rps");
            StringBuilder values = new StringBuilder();
            StringBuilder shares = new StringBuilder();
            for (int i = 0; i < each.size(); i++) {
                values.append(i == 0 ? "" : ", ").append(fixed(each.get(i), 0));
                if (direct != null && i < direct.each("rps").size()) {
                    shares.append(i == 0 ? "" : ", ").append(
                            fixed(100 * each.get(i) / direct.each("rps").get(i), 1)).append('%');
                }
            }
            System.out.println("| " + target + " | " + values + " | " + shares + " |");
        });
    }

    private static void sseRateTable(Map<String, Rounds> rate) {
        List<String> peers = peersOf(rate);
        StringBuilder header = new StringBuilder("| target | events/s | x direct |");
        StringBuilder rule = new StringBuilder("|---|---:|---:|");
        for (String peer : peers) {
            header.append(" x ").append(peer).append(" |");
            rule.append("---:|");
        }
        System.out.println(header + " proxy CPU us/event | upstream CPU us/event | errors |");
        System.out.println(rule + "---:|---:|---:|");
        Rounds direct = rate.get(DIRECT);
        rate.forEach((target, rounds) -> {
            double events = rounds.mean("events_per_s");
            StringBuilder row = new StringBuilder("| ").append(target).append(" | ")
                    .append(fixed(events, 0)).append(" | ")
                    .append(ratio(events, direct, "events_per_s")).append(" |");
            for (String peer : peers) {
                row.append(' ').append(ratio(events, rate.get(peer), "events_per_s"))
                        .append(" |");
            }
            row.append(' ').append(fixed(rounds.mean("proxy_cpu_us"), 2)).append(" | ")
                    .append(fixed(rounds.mean("upstream_cpu_us"), 2)).append(" | ")
                    .append(fixed(rounds.sum("errors"), 0)).append(" |");
            System.out.println(row);
        });
    }

    private static void sseFirstTable(Map<String, Rounds> first) {
        System.out.println("| target | first event p50 us | p99 us | p50 added us | p99 added us "
                + "| errors |");
        System.out.println("|---|---:|---:|---:|---:|---:|");
        Rounds direct = first.get(DIRECT);
        first.forEach((target, rounds) -> {
            double p50 = rounds.mean("first_p50_us");
            double p99 = rounds.mean("first_p99_us");
            System.out.println("| " + target + " | " + fixed(p50, 0) + " | " + fixed(p99, 0)
                    + " | " + (direct == null ? "" : fixed(p50 - direct.mean("first_p50_us"), 0))
                    + " | " + (direct == null ? "" : fixed(p99 - direct.mean("first_p99_us"), 0))
                    + " | " + fixed(rounds.sum("errors"), 0) + " |");
        });
    }

    private static List<String> peersOf(Map<String, Rounds> kind) {
        return PEERS.stream().filter(kind::containsKey).toList();
    }

    private static String ratio(double value, Rounds base, String name) {
        return base == null ? "" : times(value / base.mean(name));
    }

    private static String times(double ratio) {
        return String.format(Locale.ROOT, "%.2fx", ratio);
    }

    private static String fixed(double value, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", value);
    }
}
