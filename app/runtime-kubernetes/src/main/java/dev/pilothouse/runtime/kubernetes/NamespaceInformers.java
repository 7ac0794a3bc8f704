package dev.pilothouse.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ExceptionHandler;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Pilothouse's pods and PVCs in one namespace, as fabric8 informers keep them: one list, then a
 * watch; a dropped watch is re-established and a 410 Gone relists, by fabric8 itself. Everything
 * the runtime reports comes from these caches, so asking about thousands of sessions costs no
 * API call.
 */
final class NamespaceInformers implements AutoCloseable {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(NamespaceInformers.class);

    /** What the runtime hears; {@code live} is false for the items of the first list (adds only). */
    interface Listener {
        void pod(String namespace, Pod before, Pod now, boolean live);

        void podGone(String namespace, Pod last, boolean live);

        void claim(String namespace, PersistentVolumeClaim before, PersistentVolumeClaim now, boolean live);

        void claimGone(String namespace, PersistentVolumeClaim last, boolean live);

        /** A Kubernetes Event recorded (or counted again) in the namespace, after the first list. */
        void event(String namespace, Event before, Event now);
    }

    private static final String BY_OBJECT = "involvedObject.uid";

    final String namespace;
    private final SharedIndexInformer<Pod> pods;
    private final SharedIndexInformer<PersistentVolumeClaim> claims;
    private final CompletableFuture<Void> synced = new CompletableFuture<>();
    private final java.util.concurrent.atomic.AtomicBoolean started = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile boolean live;
    /** The namespace's Events, told to the listener; null when they may not be watched. */
    private final SharedIndexInformer<Event> events;
    /** Done once the Events' first list is in: only Events after it are told. */
    private final CompletableFuture<Void> eventsListed = new CompletableFuture<>();

    /**
     * Builds the informers; nothing is listed until {@link #start}, so that the runtime can first
     * make them the namespace's: the first list's items are told to the listener on fabric8's
     * threads, which look the namespace's informers up (a list told before that was dropped).
     *
     * @param chunkSize the first list of each informer comes in pages of this many, as kubectl's
     *                  {@code --chunk-size} (0: whole): an API server then never builds one response
     *                  of 20,000 pods, nor the client one list
     */
    NamespaceInformers(KubernetesClient client, String namespace, long chunkSize, Listener listener, ExceptionHandler errors) {
        this.namespace = namespace;
        Long chunk = chunkSize > 0 ? chunkSize : null;
        this.pods = client.pods().inNamespace(namespace).withLabel(ObjectNames.MANAGED_BY, ObjectNames.MANAGER)
                .withLimit(chunk).runnableInformer(0);
        this.claims = client.persistentVolumeClaims().inNamespace(namespace)
                .withLabel(ObjectNames.MANAGED_BY, ObjectNames.MANAGER).withLimit(chunk).runnableInformer(0);
        pods.exceptionHandler(errors);
        claims.exceptionHandler(errors);
        pods.addEventHandler(new ResourceEventHandler<Pod>() {
            @Override
            public void onAdd(Pod p) {
                listener.pod(namespace, null, p, live);
            }

            // an update or a deletion never comes from the first list: it is live, even when it comes
            // before the other informer's first list is done (a pod stopped from another workstation
            // in that moment was otherwise never heard of, and its session stayed READY here)
            @Override
            public void onUpdate(Pod before, Pod now) {
                listener.pod(namespace, before, now, true);
            }

            @Override
            public void onDelete(Pod p, boolean finalStateUnknown) {
                listener.podGone(namespace, p, true);
            }
        });
        claims.addEventHandler(new ResourceEventHandler<PersistentVolumeClaim>() {
            @Override
            public void onAdd(PersistentVolumeClaim c) {
                listener.claim(namespace, null, c, live);
            }

            @Override
            public void onUpdate(PersistentVolumeClaim before, PersistentVolumeClaim now) {
                listener.claim(namespace, before, now, true);
            }

            @Override
            public void onDelete(PersistentVolumeClaim c, boolean finalStateUnknown) {
                listener.claimGone(namespace, c, true);
            }
        });
        this.events = watchEvents(client, namespace, chunk, listener, eventsListed);
    }

    /** Lists and watches from now on; once only, whoever calls it first. */
    void start() {
        if (!started.compareAndSet(false, true)) {
            return;
        }
        CompletableFuture.allOf(pods.start().toCompletableFuture(), claims.start().toCompletableFuture())
                .whenComplete((v, t) -> {
                    if (t == null) {
                        live = true;
                        synced.complete(null);
                    } else {
                        synced.completeExceptionally(t);
                    }
                });
        if (events != null) {
            try {
                events.start().whenComplete((v, t) -> eventsListed.complete(null));
            } catch (RuntimeException e) {
                log.debug("events of namespace {} not watched: {}", namespace, e.toString());
            }
        }
    }

    /**
     * Events tell why a pod waits (FailedScheduling, Pulling, BackOff, FailedMount, Unhealthy...).
     * They are extra: an API server that refuses them (no {@code list}/{@code watch events}) or
     * fails on them says nothing about the cluster's reachability, and the sessions work without.
     */
    private static SharedIndexInformer<Event> watchEvents(KubernetesClient client, String namespace, Long chunk, Listener listener,
                                                          CompletableFuture<Void> first) {
        try {
            SharedIndexInformer<Event> inf = client.v1().events().inNamespace(namespace).withLimit(chunk).runnableInformer(0);
            // what a starting pod waits for is read from its own Events (StartProgress)
            inf.addIndexers(Map.of(BY_OBJECT, e -> e.getInvolvedObject() == null || e.getInvolvedObject().getUid() == null
                    ? List.of() : List.of(e.getInvolvedObject().getUid())));
            inf.exceptionHandler((started, t) -> {
                log.debug("events of namespace {}: {}", namespace, t.toString());
                return !(t instanceof io.fabric8.kubernetes.client.KubernetesClientException k
                        && (k.getCode() == 403 || k.getCode() == 401));
            });
            inf.addEventHandler(new ResourceEventHandler<Event>() {
                @Override
                public void onAdd(Event e) {
                    if (first.isDone()) {
                        listener.event(namespace, null, e);
                    }
                }

                @Override
                public void onUpdate(Event before, Event now) {
                    if (first.isDone()) {
                        listener.event(namespace, before, now);
                    }
                }

                @Override
                public void onDelete(Event e, boolean unknown) {
                }
            });
            return inf;
        } catch (RuntimeException e) {
            log.debug("events of namespace {} not watched: {}", namespace, e.toString());
            return null;
        }
    }

    /** Waits up to {@code wait} for the first list of both; true once it has arrived. */
    boolean awaitSynced(Duration wait) {
        if (synced.isDone()) {
            return !synced.isCompletedExceptionally();
        }
        try {
            synced.get(wait.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException | ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    boolean synced() {
        return synced.isDone() && !synced.isCompletedExceptionally();
    }

    Pod pod(String name) {
        return pods.getStore().getByKey(namespace + "/" + name);
    }

    PersistentVolumeClaim claim(String name) {
        return claims.getStore().getByKey(namespace + "/" + name);
    }

    /** The Events about one object (by uid) seen so far; none when Events may not be watched. */
    List<Event> eventsAbout(String uid) {
        return events == null ? List.of() : events.getIndexer().byIndex(BY_OBJECT, uid);
    }

    List<Pod> pods() {
        return pods.getStore().list();
    }

    List<PersistentVolumeClaim> claims() {
        return claims.getStore().list();
    }

    @Override
    public void close() {
        pods.close();
        claims.close();
        if (events != null) {
            events.close();
        }
    }
}
