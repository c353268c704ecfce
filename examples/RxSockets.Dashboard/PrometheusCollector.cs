using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace RxSockets.Dashboard;

/// <summary>
/// A small collector of the <c>RxSockets</c> and <c>RxSockets.Redis</c> meters that writes what it has in the
/// Prometheus text exposition format (version 0.0.4), for a scrape of <c>/prometheus</c>. Built on
/// <see cref="MeterListener"/> alone: the OpenTelemetry Prometheus exporter packages are pre-release, and a dashboard
/// needs only the running totals. An application that runs OpenTelemetry would use its exporter instead
/// (<c>AddMeter("RxSockets")</c>).
/// </summary>
/// <remarks>
/// Names follow OpenTelemetry's mapping to Prometheus: dots become underscores, the unit is appended (<c>s</c> as
/// <c>_seconds</c>, <c>By</c> as <c>_bytes</c>, annotations such as <c>{connection}</c> dropped) and counters end in
/// <c>_total</c>. Counters and up-down counters keep their sums since the collector started; observable instruments
/// are read at each scrape; histograms keep a count, a sum and cumulative buckets. Thread-safe (one lock: measurements
/// arrive from every connection's thread, a scrape reads them all).
/// </remarks>
public sealed class PrometheusCollector : IDisposable
{
    /// <summary>The meters collected.</summary>
    public static readonly IReadOnlyList<string> Meters = ["RxSockets", "RxSockets.Redis"];

    /// <summary>The content type of <see cref="Write"/>'s text.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    // Seconds, from a fast ping on loopback to a connection that lived an hour.
    private static readonly double[] s_bounds = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

    private readonly MeterListener _listener = new();
    private readonly Lock _gate = new();
    private readonly SortedDictionary<string, Family> _families = new(StringComparer.Ordinal);

    public PrometheusCollector()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (Meters.Contains(instrument.Meter.Name))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>Every metric collected so far, in the Prometheus text format.</summary>
    public string Write()
    {
        _listener.RecordObservableInstruments();   // the queue depths, as they are now
        var text = new StringBuilder();
        lock (_gate)
        {
            foreach (var family in _families.Values)
            {
                family.Write(text);
            }
        }

        return text.ToString();
    }

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = Labels(tags);
        lock (_gate)
        {
            if (!_families.TryGetValue(instrument.Name, out var family))
            {
                family = new Family(instrument);
                _families.Add(instrument.Name, family);
            }

            family.Record(labels, value);
        }
    }

    /// <summary><c>{a="1",b="x"}</c>, sorted by name, values escaped; empty without tags.</summary>
    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.IsEmpty)
        {
            return "";
        }

        var sorted = tags.ToArray();
        Array.Sort(sorted, (a, b) => string.CompareOrdinal(a.Key, b.Key));
        var text = new StringBuilder("{");
        foreach (var (key, value) in sorted)
        {
            if (text.Length > 1)
            {
                text.Append(',');
            }

            var shown = Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
            text.Append(Sanitize(key)).Append("=\"")
                .Append(shown.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal))
                .Append('"');
        }

        return text.Append('}').ToString();
    }

    private static string Sanitize(string name)
    {
        var text = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            text.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        }

        return text.ToString();
    }

    private static string Number(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>One instrument: its Prometheus name and type, and one series per label set.</summary>
    private sealed class Family(Instrument instrument)
    {
        private readonly string _name = NameOf(instrument);
        private readonly string _type = instrument switch
        {
            Counter<long> or Counter<int> or Counter<double> or ObservableCounter<long> or ObservableCounter<double> => "counter",
            Histogram<double> or Histogram<long> => "histogram",
            _ => "gauge",   // up-down counters and gauges: a value that goes both ways
        };

        private readonly bool _observed = instrument.IsObservable;
        private readonly string? _help = instrument.Description;
        private readonly SortedDictionary<string, Series> _series = new(StringComparer.Ordinal);

        public void Record(string labels, double value)
        {
            if (!_series.TryGetValue(labels, out var series))
            {
                series = new Series(_type == "histogram" ? new long[s_bounds.Length] : null);
                _series.Add(labels, series);
            }

            if (_type == "histogram")
            {
                series.Count++;
                series.Sum += value;
                for (var i = 0; i < s_bounds.Length; i++)
                {
                    if (value <= s_bounds[i])
                    {
                        series.Buckets![i]++;
                    }
                }
            }
            else if (_observed)
            {
                series.Sum = value;   // an observation is the value now, not an increment
            }
            else
            {
                series.Sum += value;
            }
        }

        public void Write(StringBuilder text)
        {
            if (_help is not null)
            {
                text.Append("# HELP ").Append(_name).Append(' ').Append(_help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)).Append('\n');
            }

            text.Append("# TYPE ").Append(_name).Append(' ').Append(_type).Append('\n');
            foreach (var (labels, series) in _series)
            {
                if (_type != "histogram")
                {
                    text.Append(_name).Append(labels).Append(' ').Append(Number(series.Sum)).Append('\n');
                    continue;
                }

                for (var i = 0; i <= s_bounds.Length; i++)
                {
                    var le = i < s_bounds.Length ? Number(s_bounds[i]) : "+Inf";
                    var count = i < s_bounds.Length ? series.Buckets![i] : series.Count;
                    var withLe = labels.Length == 0 ? $"{{le=\"{le}\"}}" : labels[..^1] + $",le=\"{le}\"}}";
                    text.Append(_name).Append("_bucket").Append(withLe).Append(' ').Append(count.ToString(CultureInfo.InvariantCulture)).Append('\n');
                }

                text.Append(_name).Append("_sum").Append(labels).Append(' ').Append(Number(series.Sum)).Append('\n');
                text.Append(_name).Append("_count").Append(labels).Append(' ').Append(series.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
        }

        private static string NameOf(Instrument instrument)
        {
            var name = Sanitize(instrument.Name);
            var unit = instrument.Unit switch
            {
                "s" => "_seconds",
                "By" => "_bytes",
                _ => "",   // {connection}, {message}…: annotations, not units
            };

            if (unit.Length > 0 && !name.EndsWith(unit, StringComparison.Ordinal))
            {
                name += unit;
            }

            var counter = instrument is Counter<long> or Counter<int> or Counter<double> or ObservableCounter<long> or ObservableCounter<double>;
            return counter ? name + "_total" : name;
        }
    }

    private sealed class Series(long[]? buckets)
    {
        public long[]? Buckets { get; } = buckets;

        public long Count { get; set; }

        public double Sum { get; set; }
    }
}
