package dev.ballast.autoscaler.leader;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** GET /scaling/leader: whether this replica acts, so an operator can tell the leader from followers (which still serve reads). */
@Path("/scaling/leader")
@Produces(MediaType.APPLICATION_JSON)
public class LeaderResource {

    /**
     * @param leader   whether this replica acts (ticks, scales, writes status and Events)
     * @param elected  whether that depends on holding the Lease (kubernetes and leader election on)
     * @param identity this replica's Lease identity, null without election
     * @param holder   the holder of the Lease as last observed, null without election or before the first look
     */
    public record LeaderView(boolean leader, boolean elected, String identity, String holder) {
    }

    private final Leadership leadership;
    private final LeaderElectionLifecycle election;

    LeaderResource(Leadership leadership, LeaderElectionLifecycle election) {
        this.leadership = leadership;
        this.election = election;
    }

    @GET
    @Operation(summary = "Whether this replica is the acting leader, and who holds the Lease")
    public LeaderView leader() {
        return new LeaderView(leadership.acting(), leadership.elected(), election.identity(), leadership.holder());
    }
}
