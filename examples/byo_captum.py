"""Bring your own model: score Captum attributions of your PyTorch CNN with mint.

A CNN that is not mint's (two convolutions, global max pooling) is trained for a few epochs on
a mint data set, attributed with Captum's Integrated Gradients and Saliency, and every
attribution is scored per motif by AUPRC against the simulation's ground truth — once with the
mint data set as the truth, once with plain motif instances, as you would for your own data.

    python examples/byo_captum.py            # ~1 minute on 2 CPU cores

Needs: pip install . torch captum pandas
"""

import numpy as np
import torch
from captum.attr import IntegratedGradients, Saliency

import mint


class MyCNN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv1d(4, 32, 13, padding=6)
        self.conv2 = torch.nn.Conv1d(32, 16, 7, padding=3)
        self.head = torch.nn.Linear(16, 1)

    def forward(self, x):  # (N, 4, L) one-hot → (N, 1) logit
        h = torch.relu(self.conv2(torch.relu(self.conv1(x))))
        return self.head(h.amax(dim=2))


def main():
    torch.manual_seed(0)
    data = mint.simulate("distinct_1", train=4000, valid=500, test_positives=500,
                         test_per_subset=50, seed=7, progress=False)
    x_train = torch.from_numpy(data.onehot("train"))
    y_train = torch.from_numpy(np.array(data.train.labels))
    net = MyCNN()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    for epoch in range(4):
        perm = torch.randperm(len(x_train))
        for i in range(0, len(perm), 128):
            idx = perm[i:i + 128]
            loss = torch.nn.functional.binary_cross_entropy_with_logits(net(x_train[idx])[:, 0], y_train[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        print(f"epoch {epoch + 1}: loss {loss.item():.3f}")
    net.eval()

    x = torch.from_numpy(data.onehot())  # the test split, (N, 4, L)
    attributions = {
        ("MyCNN", "ig"): IntegratedGradients(net).attribute(x, target=0, n_steps=50).detach(),
        ("MyCNN", "saliency"): Saliency(net).attribute(x, target=0, abs=True).detach(),
    }

    # The ground truth of a mint data set ...
    scores = mint.score(attributions, data, bootstrap=200)
    print(scores.summary[["method", "motif", "n_present", "sequences", "median", "median_lo",
                          "median_hi", "pooled_auprc"]].to_string(index=False))

    # ... or plain motif instances (sequence, start, end, motif), as for data of your own.
    instances = data.instances()
    own = mint.score(attributions, instances[["sequence", "start", "end", "motif"]], x=x,
                     motif_names=data.motif_names, bootstrap=200)
    same = np.array_equal(own.per_sequence.auprc.to_numpy(), scores.per_sequence.auprc.to_numpy())
    print(f"\nper-sequence AUPRC from the instances equals the data set's: {same}")


if __name__ == "__main__":
    main()
