package dev.pilothouse.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ExceptionHandler;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import java.time.Duration;
import java.util.List;
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
    /** What the runtime hears; {@code live} is false for the items of the first list. */
    interface Listener {
        void pod(String namespace, Pod before, Pod now, boolean live);

        void podGone(String namespace, Pod last, boolean live);

        void claim(String namespace, PersistentVolumeClaim before, PersistentVolumeClaim now, boolean live);

        void claimGone(String namespace, PersistentVolumeClaim last, boolean live);
    }

    final String namespace;
    private final SharedIndexInformer<Pod> pods;
    private final SharedIndexInformer<PersistentVolumeClaim> claims;
    private final CompletableFuture<Void> synced;
    private volatile boolean live;

    NamespaceInformers(KubernetesClient client, String namespace, Listener listener, ExceptionHandler errors) {
        this.namespace = namespace;
        this.pods = client.pods().inNamespace(namespace).withLabel(ObjectNames.MANAGED_BY, ObjectNames.MANAGER)
                .runnableInformer(0);
        this.claims = client.persistentVolumeClaims().inNamespace(namespace)
                .withLabel(ObjectNames.MANAGED_BY, ObjectNames.MANAGER).runnableInformer(0);
        pods.exceptionHandler(errors);
        claims.exceptionHandler(errors);
        pods.addEventHandler(new ResourceEventHandler<Pod>() {
            @Override
            public void onAdd(Pod p) {
                listener.pod(namespace, null, p, live);
            }

            @Override
            public void onUpdate(Pod before, Pod now) {
                listener.pod(namespace, before, now, live);
            }

            @Override
            public void onDelete(Pod p, boolean finalStateUnknown) {
                listener.podGone(namespace, p, live);
            }
        });
        claims.addEventHandler(new ResourceEventHandler<PersistentVolumeClaim>() {
            @Override
            public void onAdd(PersistentVolumeClaim c) {
                listener.claim(namespace, null, c, live);
            }

            @Override
            public void onUpdate(PersistentVolumeClaim before, PersistentVolumeClaim now) {
                listener.claim(namespace, before, now, live);
            }

            @Override
            public void onDelete(PersistentVolumeClaim c, boolean finalStateUnknown) {
                listener.claimGone(namespace, c, live);
            }
        });
        this.synced = CompletableFuture.allOf(pods.start().toCompletableFuture(), claims.start().toCompletableFuture())
                .thenRun(() -> live = true);
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
    }
}
