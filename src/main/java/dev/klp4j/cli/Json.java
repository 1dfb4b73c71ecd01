package dev.klp4j.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import dev.klp4j.diff.DiffResult;
import dev.klp4j.review.Finding;
import dev.klp4j.review.ReviewReport;
import java.io.IOException;

/** The one JSON mapper the commands share for --json output. */
public final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .addMixIn(dev.klp4j.pipeline.ObjectReport.class, ObjectReportNames.class)
            .registerModule(new SimpleModule().addSerializer(new DiffOutcomeSerializer()).addSerializer(new ReviewReportSerializer()));

    /** build's objects[] name a diff's exit status {@code exit}, as klp4j diff's report does (docs/schema/build.schema.json). */
    private abstract static class ObjectReportNames {
        @com.fasterxml.jackson.annotation.JsonProperty("exit")
        abstract DiffResult.Outcome diff();
    }

    private Json() {}

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
        }
    }

    /** The reports (build's objects' {@code exit}) show a diff's outcome as klp4j diff's exit status, as they always have. */
    private static final class DiffOutcomeSerializer extends StdSerializer<DiffResult.Outcome> {
        private static final long serialVersionUID = 1L;

        DiffOutcomeSerializer() {
            super(DiffResult.Outcome.class);
        }

        @Override
        public void serialize(DiffResult.Outcome outcome, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeNumber(ExitStatus.ofDiff(outcome));
        }
    }

    /**
     * A review as CI reads it: {@code findings} (each with {@code rule}, {@code severity} as
     * "unsafe", "needs-care" or "info", {@code file}, {@code function}, {@code type},
     * {@code message}, {@code remedy}), {@code verdict}, the counts and the summary line.
     */
    private static final class ReviewReportSerializer extends StdSerializer<ReviewReport> {
        private static final long serialVersionUID = 1L;

        ReviewReportSerializer() {
            super(ReviewReport.class);
        }

        @Override
        public void serialize(ReviewReport r, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeStartObject();
            gen.writeStringField("verdict", r.verdict().id());
            gen.writeNumberField("hunks", r.hunks());
            gen.writeNumberField("functions", r.functions());
            gen.writeArrayFieldStart("findings");
            for (Finding f : r.findings()) {
                gen.writeStartObject();
                gen.writeStringField("rule", f.rule().id());
                gen.writeStringField("severity", f.severity().id());
                gen.writeStringField("file", f.file());
                gen.writeStringField("function", f.function());
                gen.writeStringField("type", f.type());
                gen.writeStringField("message", f.message());
                gen.writeStringField("remedy", f.remedy());
                gen.writeEndObject();
            }
            gen.writeEndArray();
            gen.writeStringField("summary", r.summary());
            gen.writeEndObject();
        }
    }
}
