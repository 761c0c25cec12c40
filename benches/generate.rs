//! Generation speed: the whole pipeline in-process (parse, resolve, render,
//! format) over synthetic schemas of 100 and 1,000 models, and the part
//! before the templates (parse and resolve, `compile`) up to 10,000 models,
//! which must stay linear whatever the templates print. The schema is the
//! one `../shared/tools/synth_schema.py N` writes: 8 fields, a ForeignKey to
//! the previous model, a ManyToManyField to the first every tenth model.
//! Figures go to docs/performance.md ("Generation").

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, BenchmarkId, Criterion};
use modelgen::render::Renderer;

/// The synthetic schema of `n` models, byte for byte as synth_schema.py writes it.
fn synthetic_schema(n: usize) -> String {
    let mut lines = vec!["app: synth".to_string(), "models:".to_string()];
    for i in 0..n {
        lines.push(format!("  Model{i}:"));
        lines.push("    fields:".into());
        lines.push("      name: {type: CharField, max_length: 100}".into());
        lines.push("      body: {type: TextField, blank: true}".into());
        lines.push("      count: {type: IntegerField, default: 0}".into());
        lines.push("      day: {type: DateField}".into());
        lines.push("      stamp: {type: DateTimeField, auto_now: true}".into());
        lines.push("      flag: {type: BooleanField, default: false}".into());
        lines.push("      price: {type: DecimalField, max_digits: 10, decimal_places: 2, default: '0.00'}".into());
        lines.push(
            "      state: {type: CharField, max_length: 1, default: a, choices: [[a, Active], [b, Blocked]]}".into(),
        );
        if i > 0 {
            lines.push(format!(
                "      prev: {{type: ForeignKey, to: Model{}, on_delete: CASCADE, null: true, related_name: next_set_{i}}}",
                i - 1
            ));
        }
        if i % 10 == 9 {
            lines.push(format!("      tags: {{type: ManyToManyField, to: Model0, related_name: tagged_{i}}}"));
        }
        lines.push("    str: \"{name}\"".into());
        lines.push("    meta: {ordering: [\"-day\"], get_latest_by: day}".into());
    }
    lines.join("\n") + "\n"
}

fn sources(n: usize) -> Vec<(String, String)> {
    vec![("synth.yaml".to_string(), synthetic_schema(n))]
}

fn generate(c: &mut Criterion) {
    let renderer = Renderer::new(None).expect("embedded templates");
    let mut group = c.benchmark_group("generate");
    group.sample_size(10).measurement_time(Duration::from_secs(20));
    for n in [100, 1_000] {
        let sources = sources(n);
        // Sanity: every model is there.
        let outputs = modelgen::generate_from_sources(&sources, &renderer).expect("synthetic schema generates");
        assert_eq!(outputs.iter().map(|o| o.contents.matches("pub struct Model").count()).sum::<usize>(), n);
        group.bench_with_input(BenchmarkId::from_parameter(n), &sources, |b, sources| {
            b.iter(|| black_box(modelgen::generate_from_sources(sources, &renderer).expect("generates")));
        });
    }
    group.finish();
}

fn compile(c: &mut Criterion) {
    let mut group = c.benchmark_group("compile");
    group.sample_size(10);
    for n in [100, 1_000, 10_000] {
        let sources = sources(n);
        group.bench_with_input(BenchmarkId::from_parameter(n), &sources, |b, sources| {
            b.iter(|| black_box(modelgen::compile(sources).expect("compiles")));
        });
    }
    group.finish();
}

criterion_group!(benches, compile, generate);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
