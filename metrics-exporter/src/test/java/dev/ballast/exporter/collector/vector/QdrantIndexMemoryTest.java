package dev.ballast.exporter.collector.vector;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ballast.exporter.collector.CollectionException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Reading the vector-index part out of Qdrant's collection memory report (the {@code result} object). */
class QdrantIndexMemoryTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode parse(String json) throws Exception {
        return JSON.readTree(json.replace('\'', '"'));
    }

    private static String usage(long ram, long cached) {
        return "{'disk_bytes':999999,'ram_bytes':" + ram + ",'cached_bytes':" + cached + ",'expected_cache_bytes':888888}";
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            one unnamed dense vector                        | [{'name':'','storage':STORAGE,'index':{'disk_bytes':5,'ram_bytes':100,'cached_bytes':40,'expected_cache_bytes':5}}] | []  | 100 | 40
            named dense vectors are summed                  | [{'name':'a','storage':STORAGE,'index':INDEX_A},{'name':'b','storage':STORAGE,'index':INDEX_B}] | [] | 30 | 3000
            sparse indexes count too                        | [{'name':'a','storage':STORAGE,'index':INDEX_A}] | [{'name':'text','storage':STORAGE,'index':INDEX_B}] | 30 | 3000
            quantized vectors and storage are not the index | [{'name':'a','storage':STORAGE,'index':INDEX_A,'quantized':STORAGE}] | [] | 10 | 1000
            no vectors at all                               | []  | []  | 0   | 0
            """)
    void sumsTheIndexComponentOfEveryDenseAndSparseVector(String scenario, String vectors, String sparse, double heap, double pageCache)
            throws Exception {
        JsonNode result = parse("{'total':" + usage(7, 7) + ",'vectors':" + expand(vectors) + ",'sparse_vectors':" + expand(sparse)
                + ",'payload':" + usage(500000, 500000) + ",'payload_index':[{'name':'f','usage':" + usage(600000, 600000) + "}],"
                + "'other':{'id_tracker':" + usage(700000, 700000) + "}}");

        QdrantIndexMemory memory = QdrantIndexMemory.of(result);

        assertThat(memory.heapBytes()).as("heap").isEqualTo(heap);
        assertThat(memory.pageCacheBytes()).as("page cache").isEqualTo(pageCache);
    }

    private static String expand(String list) {
        return list.replace("STORAGE", usage(123456, 654321)).replace("INDEX_A", usage(10, 1000)).replace("INDEX_B", usage(20, 2000));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            an answer without the vectors list (not a memory report) | {'status':'green','points_count':3}
            an index without ram_bytes                                | {'vectors':[{'name':'a','index':{'cached_bytes':1}}],'sparse_vectors':[]}
            an index with a negative byte count                       | {'vectors':[{'name':'a','index':{'ram_bytes':-1,'cached_bytes':1}}],'sparse_vectors':[]}
            a sparse index without cached_bytes                       | {'vectors':[],'sparse_vectors':[{'name':'s','index':{'ram_bytes':1}}]}
            """)
    void failsAsAParseErrorRatherThanReportingZero(String scenario, String result) throws Exception {
        JsonNode json = parse(result);

        assertThatThrownBy(() -> QdrantIndexMemory.of(json))
                .isInstanceOf(CollectionException.class)
                .satisfies(e -> assertThat(((CollectionException) e).reason()).isEqualTo(CollectionException.Reason.PARSE));
    }
}
