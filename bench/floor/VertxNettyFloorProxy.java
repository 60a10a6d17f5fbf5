import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.impl.headers.HeadersMultiMap;
import io.vertx.core.impl.ContextInternal;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Map;

/**
 * NOT PRODUCT CODE: a floor between the two others, for bench/gateway-vs-nginx-haproxy.sh (FLOOR=1): the Vert.x
 * HTTP server the gateway uses, in front of a bare Netty HTTP client (HttpClientCodec, one keep-alive pool per
 * event loop, on the Vert.x event loop itself). Beside VertxFloorProxy (Vert.x server and client) and NettyFloorProxy
 * (Netty both sides) it says how much of the Vert.x layers' cost is the client side alone, i.e. what replacing only
 * the gateway's upstream client could gain. No routing, balancing, timeouts, retries, limits, metrics or
 * back-pressure.
 *
 * Usage: javac -cp <vert.x + netty jars> bench/floor/*.java; java -cp <classes>:<jars> VertxNettyFloorProxy <port> <backend-host:port> [event-loops]
 */
public final class VertxNettyFloorProxy extends AbstractVerticle {

    private final int port;
    private final InetSocketAddress backend;
    private final ArrayDeque<Channel> idle = new ArrayDeque<>();
    private EventLoop loop;

    VertxNettyFloorProxy(int port, InetSocketAddress backend) {
        this.port = port;
        this.backend = backend;
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        String[] hp = args[1].split(":");
        int loops = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        InetSocketAddress backend = new InetSocketAddress(hp[0], Integer.parseInt(hp[1]));
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops).setPreferNativeTransport(true));
        vertx.deployVerticle(() -> new VertxNettyFloorProxy(port, backend), new DeploymentOptions().setInstances(loops))
                .onSuccess(id -> System.out.println("vert.x+netty floor proxy on 127.0.0.1:" + port
                        + ", native transport " + vertx.isNativeTransportEnabled()))
                .onFailure(e -> { e.printStackTrace(); System.exit(1); });
    }

    @Override
    public void start(Promise<Void> started) {
        loop = ((ContextInternal) context).nettyEventLoop();
        vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port).setTcpNoDelay(true)
                        .setReusePort(true))
                .requestHandler(this::proxy).listen().<Void>mapEmpty().onComplete(started);
    }


    private void proxy(HttpServerRequest request) {
        request.pause();
        HeadersMultiMap headers = HeadersMultiMap.httpHeaders(); // a Vert.x MultiMap that is Netty HttpHeaders too
        FloorHeaders.forward(request, headers);
        DefaultHttpRequest out = new DefaultHttpRequest(HttpVersion.HTTP_1_1,
                HttpMethod.valueOf(request.method().name()), request.uri(), headers);
        Channel ch;
        while ((ch = idle.pollLast()) != null) {
            if (ch.isActive()) {
                send(ch, request, out);
                return;
            }
        }
        new Bootstrap().group(loop).channel(EpollSocketChannel.class).option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel c) {
                        c.pipeline().addLast(new HttpClientCodec(), new Backend());
                    }
                })
                .connect(backend).addListener((ChannelFutureListener) f -> {
                    if (!f.isSuccess()) {
                        request.response().setStatusCode(502).end();
                        return;
                    }
                    send(f.channel(), request, out);
                });
    }

    private void send(Channel ch, HttpServerRequest request, DefaultHttpRequest out) {
        Backend backendHandler = (Backend) ch.pipeline().last();
        backendHandler.response = request.response();
        ch.write(out);
        request.handler(buffer -> ch.write(new DefaultHttpContent(Unpooled.wrappedBuffer(buffer.getBytes()))));
        request.endHandler(v -> ch.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT));
        request.resume();
    }

    final class Backend extends ChannelInboundHandlerAdapter {
        HttpServerResponse response;
        boolean keepAlive = true;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            HttpServerResponse to = response;
            if (msg instanceof HttpResponse head) {
                keepAlive = HttpUtil.isKeepAlive(head);
                if (to != null) {
                    to.setStatusCode(head.status().code());
                    for (Map.Entry<String, String> h : head.headers()) {
                        if (!FloorHeaders.hopByHop(h.getKey())) {
                            to.headers().add(h.getKey(), h.getValue());
                        }
                    }
                }
            }
            if (msg instanceof HttpContent content) {
                ByteBuf data = content.content();
                // Vert.x's own client copies pooled input into heap buffers (VertxHandler.safeBuffer): same here.
                Buffer chunk = data.isReadable() ? Buffer.buffer(Unpooled.copiedBuffer(data)) : null;
                if (to != null) {
                    if (msg instanceof LastHttpContent) {
                        response = null;
                        if (keepAlive) {
                            idle.addLast(ctx.channel());
                        } else {
                            ctx.close();
                        }
                        if (chunk != null) {
                            to.end(chunk);
                        } else {
                            to.end();
                        }
                    } else if (chunk != null) {
                        to.write(chunk);
                    }
                }
            }
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (response != null) {
                response.reset();
            }
        }
    }
}
