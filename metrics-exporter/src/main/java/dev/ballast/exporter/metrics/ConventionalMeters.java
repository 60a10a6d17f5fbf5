package dev.ballast.exporter.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.util.ArrayList;
import java.util.List;

/**
 * Keeps the built-in Micrometer meters (JVM, HTTP, Redis client) within Prometheus conventions, so
 * {@code promtool check metrics} over the whole {@code /q/metrics} reports nothing: every meter gets a
 * help text, camelCase tag keys become snake_case, {@code system.cpu.count} loses its reserved
 * {@code _count} ending, {@code process.cpu.time} (nanoseconds) is dropped because
 * {@code process_cpu_usage} covers it, and long-task timers (open connections) are dropped because
 * Micrometer renders their {@code _active_count}/{@code _duration_sum} families without HELP.
 */
public class ConventionalMeters {

    @Produces
    @Singleton
    MeterFilter dropUnconventionalMeters() {
        return MeterFilter.deny(id -> id.getType() == Meter.Type.LONG_TASK_TIMER || id.getName().equals("process.cpu.time"));
    }

    @Produces
    @Singleton
    MeterFilter conventionalNamesAndHelp() {
        return new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                String name = id.getName().equals("system.cpu.count") ? "system.cpus" : id.getName();
                String help = id.getDescription();
                if (help == null || help.isBlank()) {
                    help = name.equals("http.server.active.requests") ? "HTTP requests being served now." : "Micrometer meter " + name + ".";
                }
                List<Tag> tags = new ArrayList<>();
                for (Tag tag : id.getTags()) {
                    tags.add(Tag.of(snakeCase(tag.getKey()), tag.getValue()));
                }
                return new Meter.Id(name, Tags.of(tags), id.getBaseUnit(), help, id.getType());
            }
        };
    }

    static String snakeCase(String key) {
        StringBuilder out = new StringBuilder(key.length() + 4);
        for (char c : key.toCharArray()) {
            if (Character.isUpperCase(c)) {
                out.append('_').append(Character.toLowerCase(c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
