import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.FastThreadLocal;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * NOT PRODUCT CODE: the floor for a JVM reverse proxy on this machine, used only by
 * bench/gateway-vs-nginx-haproxy.sh (FLOOR=1). Netty's HTTP codecs on both sides, epoll, one keep-alive
 * upstream connection pool per event loop, messages passed through without copies, the same header work the
 * other proxies do (hop-by-hop removal, X-Forwarded-For, X-Request-Id) and nothing else: no routing, balancing,
 * timeouts, retries, limits, metrics, back-pressure or error handling beyond closing. It answers one question:
 * how close can any Java proxy built on Netty get to nginx here, before the features a gateway needs?
 *
 * Usage: java -cp <netty jars> NettyFloorProxy.java <port> <backend-host:port> [event-loops]
 */
public final class NettyFloorProxy {

    private static final FastThreadLocal<ArrayDeque<Channel>> IDLE = new FastThreadLocal<>() {
        @Override
        protected ArrayDeque<Channel> initialValue() {
            return new ArrayDeque<>();
        }
    };

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        String[] hp = args[1].split(":");
        InetSocketAddress backend = new InetSocketAddress(hp[0], Integer.parseInt(hp[1]));
        EventLoopGroup loops = new EpollEventLoopGroup(args.length > 2 ? Integer.parseInt(args[2]) : 2);
        new ServerBootstrap().group(loops).channel(EpollServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new Frontend(backend));
                    }
                })
                .bind("127.0.0.1", port).sync();
        System.out.println("netty floor proxy on 127.0.0.1:" + port + " -> " + backend);
    }

    static void stripHopByHop(HttpHeaders h) {
        h.remove(HttpHeaderNames.CONNECTION);
        h.remove(HttpHeaderNames.KEEP_ALIVE);
        h.remove(HttpHeaderNames.PROXY_CONNECTION);
        h.remove(HttpHeaderNames.TE);
        h.remove(HttpHeaderNames.UPGRADE);
    }

    static final class Frontend extends ChannelInboundHandlerAdapter {
        private final InetSocketAddress backend;
        private ChannelHandlerContext ctx;
        private Channel upstream;
        private List<Object> pending;
        boolean keepAlive;

        Frontend(InetSocketAddress backend) {
            this.backend = backend;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest request) {
                keepAlive = HttpUtil.isKeepAlive(request);
                HttpHeaders h = request.headers();
                stripHopByHop(h);
                String peer = ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress().getHostAddress();
                String xff = h.get("x-forwarded-for");
                h.set("x-forwarded-for", xff == null ? peer : xff + ", " + peer);
                if (!h.contains("x-request-id")) {
                    ThreadLocalRandom r = ThreadLocalRandom.current();
                    h.set("x-request-id", Long.toHexString(r.nextLong()) + Long.toHexString(r.nextLong()));
                }
                acquire();
            }
            send(msg);
        }

        private void acquire() {
            ArrayDeque<Channel> idle = IDLE.get();
            Channel ch;
            while ((ch = idle.pollLast()) != null) {
                if (ch.isActive()) {
                    attach(ch);
                    return;
                }
            }
            pending = new ArrayList<>(2);
            new Bootstrap().group(ctx.channel().eventLoop()).channel(EpollSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel c) {
                            c.pipeline().addLast(new HttpClientCodec(), new Backend());
                        }
                    })
                    .connect(backend).addListener((ChannelFutureListener) f -> {
                        List<Object> queued = pending;
                        pending = null;
                        if (!f.isSuccess()) {
                            queued.forEach(ReferenceCountUtil::release);
                            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                                    HttpResponseStatus.BAD_GATEWAY)).addListener(ChannelFutureListener.CLOSE);
                            return;
                        }
                        attach(f.channel());
                        queued.forEach(this::send);
                    });
        }

        private void attach(Channel ch) {
            upstream = ch;
            ((Backend) ch.pipeline().last()).frontend = this;
        }

        private void send(Object msg) {
            if (pending != null) {
                pending.add(msg);
            } else if (upstream == null) {
                ReferenceCountUtil.release(msg);
            } else if (msg instanceof LastHttpContent) {
                upstream.writeAndFlush(msg);
            } else {
                upstream.write(msg);
            }
        }

        void fromUpstream(Object msg, Backend from) {
            if (msg instanceof HttpResponse response) {
                stripHopByHop(response.headers());
                if (!keepAlive) {
                    response.headers().set(HttpHeaderNames.CONNECTION, "close");
                }
            }
            if (msg instanceof LastHttpContent) {
                Channel up = upstream;
                upstream = null;
                from.frontend = null;
                if (from.keepAlive && up.isActive()) {
                    IDLE.get().addLast(up);
                } else {
                    up.close();
                }
                if (keepAlive) {
                    ctx.writeAndFlush(msg);
                } else {
                    ctx.writeAndFlush(msg).addListener(ChannelFutureListener.CLOSE);
                }
            } else {
                ctx.write(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (upstream != null) {
                upstream.close();
            }
        }
    }

    static final class Backend extends ChannelInboundHandlerAdapter {
        Frontend frontend;
        boolean keepAlive = true;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpMessage m) {
                keepAlive = HttpUtil.isKeepAlive(m);
            }
            if (frontend == null) {
                ReferenceCountUtil.release(msg);
            } else {
                frontend.fromUpstream(msg, this);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (frontend != null) {
                frontend.ctx.close();
            }
        }
    }
}
